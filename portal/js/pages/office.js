// The regional finance office: the approval queue, registering and revoking actors, policy and
// budget (budget = available + reserved + redeemed + paid), payouts, clearing periods and the
// settlement (net positions, transfers, signing), provider assessment, messages, statements.

import { get, post } from "../api.js";
import { barChart } from "../chart.js";
import { t } from "../i18n.js";
import { formatFen, parseYuan } from "../money.js";
import { date, form, h, section, table } from "../ui.js";
import { act, compact, needIdentity } from "./common.js";
import { periodSection } from "./office_periods.js";

function yuan(text, field) {
  try {
    return parseYuan(text);
  } catch (error) {
    throw Object.assign(error, { field });
  }
}

function budgetFacts(budgets) {
  return table([
    ["office.year", ([year]) => year],
    ["office.total", ([, b]) => formatFen(b.total)],
    ["office.available", ([, b]) => formatFen(b.available)],
    ["office.reserved", ([, b]) => formatFen(b.reserved)],
    ["office.redeemed", ([, b]) => formatFen(b.redeemed)],
    ["office.paid", ([, b]) => formatFen(b.paid)],
    ["office.identity", ([, b]) => {
      const sum = b.available + b.reserved + b.redeemed + b.paid;
      return h("span", { class: sum === b.total ? "ok" : "bad", "data-identity": sum === b.total },
        t(sum === b.total ? "office.identity_holds" : "office.identity_broken"));
    }]], Object.entries(budgets ?? {}), { caption: "office.budget_identity" });
}

// Per provider over every month shown: the amount of its services, and the average rating
// weighted by each month's number of ratings.
function assessmentCharts(rows, nameOf) {
  const providers = new Map();
  for (const r of rows ?? []) {
    const p = providers.get(r.provider) ??
      { label: nameOf(r), amount: 0, ratings: 0, weighted: 0 };
    p.amount += r.amount ?? 0;
    p.ratings += r.ratings ?? 0;
    p.weighted += (r.rating_average_x100 ?? 0) * (r.ratings ?? 0);
    providers.set(r.provider, p);
  }
  const list = [...providers.values()];
  const rated = list.filter((p) => p.ratings > 0);
  return [
    list.some((p) => p.amount > 0) ? h("figure", { id: "assessment-amounts" }, barChart(list.map((p) =>
      ({ label: p.label, value: p.amount })), { format: formatFen, label: t("office.chart_amounts") }),
    h("figcaption", {}, t("office.chart_amounts"))) : null,
    rated.length ? h("figure", { id: "assessment-ratings" }, barChart(rated.map((p) =>
      ({ label: p.label, value: p.weighted / p.ratings / 100 })),
    { format: (v) => v.toFixed(2), max: 5, label: t("office.chart_ratings") }),
    h("figcaption", {}, t("office.chart_ratings"))) : null];
}

function assessment(rows, nameOf) {
  return table([["office.provider", (r) => `${nameOf(r)} (${t(`region.${r.region}`)})`],
    ["provider.month", (r) => r.month], ["provider.services", (r) => r.services ?? 0],
    ["provider.amount", (r) => formatFen(r.amount ?? 0)],
    ["provider.rating", (r) => (r.ratings ? (r.rating_average_x100 / 100).toFixed(2) : "—")],
    ["office.complaints", (r) => r.complaints ?? 0]], rows ?? [],
  { caption: "office.assessment" });
}

function queue(identity, applications, refresh) {
  const checks = [];
  const rows = table([
    ["office.pick", (a) => {
      const box = h("input", { type: "checkbox", "aria-label": t("office.pick_one",
        { id: a.application_id }), "data-enterprise": a.enterprise, "data-app": a.application_id });
      checks.push(box);
      return box;
    }],
    ["office.enterprise", (a) => a.enterprise], ["enterprise.application_id", (a) => a.application_id],
    ["common.category", (a) => t(`category.${a.category}`)], ["enterprise.face", (a) => formatFen(a.face)],
  ], applications, { caption: "office.queue", empty: "office.queue_empty" });
  const decide = form({ id: "decide", submit: "office.approve_selected",
    fields: [{ name: "reason", label: "office.refuse_reason", hint: "office.refuse_hint" }],
    onSubmit: async (v, f) => {
      const picked = checks.filter((box) => box.checked);
      if (!picked.length) throw Object.assign(new Error("none"), { reason: "none_selected" });
      const refuse = v.reason.trim() !== "";
      for (const box of picked) {
        const body = { enterprise: box.dataset.enterprise, application_id: box.dataset.app };
        await act(identity, refuse ? "voucher.refuse" : "voucher.approve",
          refuse ? { ...body, reason: v.reason.trim() } : body, f);
      }
      f.status.textContent = t(refuse ? "office.refused_n" : "office.approved_n",
        { count: picked.length });
      await refresh();
    } });
  return [rows, decide];
}

function actorForms(identity, refresh) {
  const register = form({ id: "register", submit: "office.register",
    fields: [{ name: "id", label: "office.actor_id", hint: "office.actor_id_hint", required: true },
      { name: "role", label: "office.role", type: "select",
        options: [["enterprise", "role.enterprise"], ["provider", "role.provider"],
          ["auditor", "role.auditor"]] },
      { name: "name", label: "office.name", required: true },
      { name: "key", label: "office.public_key", hint: "office.public_key_hint", required: true },
      { name: "categories", label: "office.categories", hint: "office.categories_hint" }],
    reasonFields: { invalid_credit_code: "id", invalid_id: "id", actor_exists: "id",
      bad_key: "key", category_not_allowed: "categories" },
    onSubmit: async (v, f) => {
      const categories = v.categories.split(/[\s,，、]+/).filter(Boolean);
      await act(identity, "actor.register", { id: v.id.trim(), role: v.role, name: v.name,
        key: v.key.trim(), categories: v.role === "provider" ? categories : undefined }, f,
      "office.registered");
      await refresh();
    } });
  const revoke = form({ id: "revoke", submit: "office.revoke",
    fields: [{ name: "id", label: "office.actor_id", required: true }],
    reasonFields: { unknown_actor: "id" },
    onSubmit: async (v, f) => act(identity, "actor.revoke", { id: v.id.trim() }, f) });
  return [register, revoke];
}

function moneyForms(identity, policy, refresh) {
  const budget = form({ id: "budget", submit: "office.allocate",
    fields: [{ name: "year", label: "office.year", type: "number",
      value: String(new Date().getUTCFullYear()) },
    { name: "amount", label: "office.amount", hint: "common.yuan_hint", required: true }],
    reasonFields: { amount_invalid: "amount" },
    onSubmit: async (v, f) => {
      await act(identity, "budget.allocate", { year: Number(v.year),
        amount: yuan(v.amount, "amount") }, f);
      await refresh();
    } });
  const payout = form({ id: "payout", submit: "office.record_payout",
    fields: [{ name: "voucher_id", label: "common.voucher", required: true },
      { name: "bank_ref", label: "office.bank_ref", required: true }],
    reasonFields: { not_payable: "voucher_id", not_found: "voucher_id" },
    onSubmit: async (v, f) => {
      await act(identity, "payout.record", { voucher_id: v.voucher_id, bank_ref: v.bank_ref }, f);
      await refresh();
    } });
  const p = policy ?? {};
  const policyForm = form({ id: "policy", submit: "office.set_policy",
    fields: [{ name: "face_cap", label: "policy.face_cap", value: p.face_cap ? (p.face_cap / 100).toFixed(2) : "" },
      { name: "yearly_count_max", label: "policy.yearly_count_max", type: "number",
        value: String(p.yearly_count_max ?? "") },
      { name: "yearly_amount_max", label: "policy.yearly_amount_max",
        value: p.yearly_amount_max ? (p.yearly_amount_max / 100).toFixed(2) : "" },
      { name: "ratio_bp", label: "office.ratio_bp", type: "number", value: String(p.ratio_bp ?? "") },
      { name: "validity_days", label: "policy.validity_days", type: "number",
        value: String(p.validity_days ?? "") },
      { name: "categories", label: "policy.categories", value: (p.categories ?? []).join(",") },
      { name: "accepted_regions", label: "policy.accepted_regions",
        value: (p.accepted_regions ?? []).join(",") }],
    reasonFields: { amount_invalid: "face_cap", over_face_cap: "face_cap" },
    onSubmit: async (v, f) => {
      const list = (text) => text.split(/[\s,，、]+/).filter(Boolean);
      await act(identity, "policy.set", compact({ face_cap: yuan(v.face_cap, "face_cap"),
        yearly_count_max: Number(v.yearly_count_max),
        yearly_amount_max: yuan(v.yearly_amount_max, "yearly_amount_max"),
        ratio_bp: Number(v.ratio_bp), validity_days: Number(v.validity_days),
        categories: list(v.categories), accepted_regions: list(v.accepted_regions),
        credit_code_divisions: p.credit_code_divisions }), f);
      await refresh();
    } });
  return [budget, payout, policyForm];
}

async function applicationsOf(identity) {
  return (await post(identity, "query.applications", { state: "pending", limit: 500 }))
    .applications ?? [];
}

async function messagesOf(identity) {
  try {
    return (await post(identity, "query.messages", {})).messages ?? [];
  } catch {
    return [];
  }
}

export async function render({ main, identity, refresh }) {
  if (needIdentity(main, identity, "office")) return;
  const report = await post(identity, "query.report", {});
  // Providers of other regions are named by their regions' public directories.
  const directory = await get("/v1/directory?scope=federation").catch(() => ({}));
  const names = new Map((directory.regions ?? []).flatMap((block) =>
    (block.providers ?? []).map((p) => [p.id, p.name])));
  const nameOf = (r) => r.name || names.get(r.provider) || r.provider;
  const [applications, messages] = await Promise.all([applicationsOf(identity),
    messagesOf(identity)]);
  const [register, revoke] = actorForms(identity, refresh);
  const [budget, payout, policyForm] = moneyForms(identity, report.policy, refresh);
  main.append(h("h1", {}, t("office.title")), h("p", { class: "lead" }, t("office.lead")),
    section("office.queue", ...queue(identity, applications, refresh)),
    section("office.budget_title", budgetFacts(report.budgets)),
    await periodSection(identity),
    section("office.assessment", assessment(report.assessment, nameOf),
      ...assessmentCharts(report.assessment, nameOf)),
    section("office.messages", table([["message.from", (m) => m.author],
      ["message.when", (m) => date(m.posted_ms)],
      ["message.subject", (m) => m.subject], ["message.text", (m) => m.text]], messages,
    { empty: "office.no_messages" })),
    h("div", { class: "grid" },
      section("office.register_title", register), section("office.revoke_title", revoke),
      section("office.allocate_title", budget), section("office.payout_title", payout),
      section("office.policy_title", policyForm)));
}
