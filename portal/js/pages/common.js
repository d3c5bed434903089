// What several role pages share: the sign-in gate, voucher states and timelines, region and
// category choices, and bodies without empty optional fields.

import { post } from "../api.js";
import { t } from "../i18n.js";
import { formatFen } from "../money.js";
import { date, h, section } from "../ui.js";

export const REGIONS = ["BJ", "TJ", "HE", "NM", "GZ", "CD"];
export const CATEGORIES = ["testing", "rnd", "transfer"];

export const regionOptions = (first) =>
  [first, ...REGIONS.filter((r) => r !== first)].map((r) => [r, `region.${r}`]);
export const categoryOptions = () => CATEGORIES.map((c) => [c, `category.${c}`]);

// The page for a role needs a key: without one, a pointer to the keys page.
export function needIdentity(main, identity, role) {
  if (identity) return false;
  main.append(h("h1", {}, t(`nav.${role}`)), section("gate.title",
    h("p", {}, t("gate.text")), h("p", {}, h("a", { href: "#/keys" }, t("gate.link")))));
  return true;
}

// The body without fields left empty (optional fields are then absent, as the CLI sends them).
export function compact(body) {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== "" && v !== undefined));
}

// A voucher's state as of now: a live voucher past its deadline is expired, whether or not the
// office has recorded the expiry yet.
export function stateNow(voucher, now = Date.now()) {
  if (voucher.status === "live" && voucher.expires_ms && voucher.expires_ms <= now) {
    return "expired";
  }
  return voucher.status;
}

const FINAL_BAD = ["expired", "refused", "revoked"];

// The steps a voucher went through, from the node's timeline (each with its ledger entry and
// time): applied → issued → assigned → pending → receipted → redeemed → paid, or its bad ending;
// a live voucher past its deadline ends "expired" as of now.
export function timeline(voucher) {
  const steps = [...(voucher.timeline ?? [])];
  const state = stateNow(voucher);
  if (FINAL_BAD.includes(state) && !steps.some((step) => step.state === state)) {
    steps.push({ state, time_ms: voucher.expires_ms });
  }
  return h("ol", { class: "timeline", "aria-label": t("voucher.timeline") },
    steps.map((step, i) => h("li", {
      class: FINAL_BAD.includes(step.state) ? "final-bad" : i === steps.length - 1 ? "current" :
        "reached",
      title: step.index !== undefined ? t("voucher.step_entry", { index: step.index,
        time: date(step.time_ms) }) : date(step.time_ms) }, t(`state.${step.state}`))));
}

export function voucherCells() {
  return [
    ["voucher.id", (v) => h("span", { class: "mono" }, v.id)],
    ["voucher.face", (v) => formatFen(v.face)],
    ["voucher.state", (v) => h("span", { "data-state": stateNow(v) }, t(`state.${stateNow(v)}`))],
    ["voucher.timeline", (v) => timeline(v)],
    ["voucher.deadline", (v) => date(v.expires_ms)],
    ["voucher.provider", (v) => v.provider ?? v.assigned_to ?? "—"],
    ["voucher.amount", (v) => (v.amount ? formatFen(v.amount) : "—")],
  ];
}

// Posts a statement and says what the node answered, in the form's status line.
export async function act(identity, kind, body, formElement, doneKey = "common.recorded") {
  const answer = await post(identity, kind, compact(body));
  document.body.dataset.lastIndex = String(answer.index);
  if (formElement) formElement.status.textContent = t(doneKey, { index: answer.index });
  return answer;
}
