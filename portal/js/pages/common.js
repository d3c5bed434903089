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

const PATH = ["applied", "issued", "receipted", "pending", "redeemed", "paid"];
const FINAL_BAD = ["expired", "refused", "revoked"];

// The steps a voucher went through, as a list: applied → issued → … → paid, or its bad ending.
export function timeline(voucher) {
  const state = stateNow(voucher);
  const reached = new Set(["applied"]);
  if (voucher.issued_ms || voucher.id) reached.add("issued");
  if (voucher.receipt) reached.add("receipted");
  if (voucher.request_id || state === "pending") reached.add("pending");
  if (voucher.redeemed_ms || state === "redeemed" || state === "paid") reached.add("redeemed");
  if (state === "paid" || voucher.paid_ms) reached.add("paid");
  const steps = PATH.filter((step) => reached.has(step) || !FINAL_BAD.includes(state));
  const current = FINAL_BAD.includes(state) ? state :
    [...PATH].reverse().find((step) => reached.has(step));
  return h("ol", { class: "timeline", "aria-label": t("voucher.timeline") },
    steps.map((step) => h("li", { class: step === current ? "current" : reached.has(step) ?
      "reached" : "" }, t(`state.${step}`))),
    FINAL_BAD.includes(state) ? h("li", { class: "final-bad" }, t(`state.${state}`)) : null);
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
