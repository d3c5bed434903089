// The enterprise: its quota this year, applying for vouchers, its vouchers and their timelines,
// confirming a provider's receipt, redeeming pay-first, assigning a voucher to a provider, rating
// a service and writing to the office. Every action is signed in this page.

import { get, post } from "../api.js";
import { t } from "../i18n.js";
import { formatFen, parseYuan } from "../money.js";
import { form, h, section, table } from "../ui.js";
import { act, categoryOptions, needIdentity, regionOptions, stateNow, voucherCells }
  from "./common.js";
import { proofButton } from "./proofs.js";

const amountError = (error, field) => Object.assign(error, { field });

function yuan(text, field) {
  try {
    return parseYuan(text);
  } catch (error) {
    throw amountError(error, field);
  }
}

// The quota the node computes (query.actor): issued counts against the yearly caps; reserved is
// live and pending faces; used is what redemptions paid; left is what may still be applied for.
function quota(policy, answer) {
  const q = answer.quota ?? {};
  const fen = (part) => q[part]?.amount ?? 0;
  return h("dl", { class: "facts", id: "quota" },
    h("dt", {}, t("enterprise.quota_issued")), h("dd", {}, formatFen(fen("issued"))),
    h("dt", {}, t("enterprise.quota_reserved")), h("dd", {}, formatFen(fen("reserved"))),
    h("dt", {}, t("enterprise.quota_used")), h("dd", {}, formatFen(fen("used"))),
    h("dt", {}, t("enterprise.quota_left")),
    h("dd", { "data-fen": fen("left") }, formatFen(fen("left"))),
    h("dt", {}, t("enterprise.quota_count")),
    h("dd", {}, t("enterprise.count_of", { count: q.issued?.count ?? 0,
      max: q.count_max ?? policy.yearly_count_max })),
    h("dt", {}, t("enterprise.quota_pending")), h("dd", {}, q.applications_pending ?? 0));
}

function voucherChoices(vouchers, states) {
  const chosen = vouchers.filter((v) => states.includes(stateNow(v)));
  return chosen.length ? chosen.map((v) => [v.id, `=${v.id} (${formatFen(v.face)})`]) :
    [["", "voucher.none_fit"]];
}

function forms(identity, region, vouchers, refresh) {
  const apply = form({ id: "apply", submit: "enterprise.apply",
    fields: [
      { name: "application_id", label: "enterprise.application_id",
        value: `A-${Date.now().toString(36).toUpperCase()}`, required: true },
      { name: "category", label: "common.category", type: "select", options: categoryOptions() },
      { name: "face", label: "enterprise.face", hint: "common.yuan_hint", required: true }],
    reasonFields: { over_face_cap: "face", over_yearly_amount: "face", amount_invalid: "face",
      over_yearly_count: "face", category_not_allowed: "category", id_conflict: "application_id",
      invalid_id: "application_id" },
    onSubmit: async (v, f) => {
      await act(identity, "voucher.apply", { application_id: v.application_id,
        category: v.category, face: yuan(v.face, "face") }, f, "enterprise.applied");
      await refresh();
    } });
  const confirm = form({ id: "confirm", submit: "enterprise.confirm",
    fields: [{ name: "provider", label: "common.provider", required: true },
      { name: "provider_region", label: "common.provider_region", type: "select",
        options: regionOptions(region) },
      { name: "receipt_id", label: "common.receipt_id", required: true }],
    reasonFields: { not_found: "receipt_id", unknown_actor: "provider", receipt_mismatch: "receipt_id" },
    onSubmit: async (v, f) => {
      // A receipt recorded in another region is not countersigned there (the enterprise is not
      // registered there): redeeming it at home is the enterprise's consent.
      if (v.provider_region !== region) {
        throw Object.assign(new Error("abroad"), { reason: "confirm_abroad",
          field: "provider_region" });
      }
      await act(identity, "receipt.confirm", { provider: v.provider, receipt_id: v.receipt_id }, f);
    } });
  const redeem = form({ id: "redeem", submit: "enterprise.redeem",
    fields: [{ name: "voucher_id", label: "common.voucher", type: "select",
      options: voucherChoices(vouchers, ["live"]) },
    { name: "provider", label: "common.provider", required: true },
    { name: "provider_region", label: "common.provider_region", type: "select",
      options: regionOptions(region) },
    { name: "receipt_id", label: "common.receipt_id", required: true }],
    reasonFields: { voucher_not_live: "voucher_id", voucher_expired: "voucher_id",
      already_redeemed: "voucher_id", not_found: "receipt_id", receipt_not_confirmed: "receipt_id",
      receipt_consumed: "receipt_id", region_not_accepted: "provider_region" },
    onSubmit: async (v, f) => {
      await act(identity, "voucher.redeem", { voucher_id: v.voucher_id, provider: v.provider,
        receipt_id: v.receipt_id,
        provider_region: v.provider_region === region ? "" : v.provider_region }, f,
      "enterprise.redeem_sent");
      await refresh();
    } });
  const assign = form({ id: "assign", submit: "enterprise.assign",
    fields: [{ name: "voucher_id", label: "common.voucher", type: "select",
      options: voucherChoices(vouchers, ["live"]) },
    { name: "provider", label: "common.provider", required: true },
    { name: "provider_region", label: "common.provider_region", type: "select",
      options: regionOptions(region) },
    { name: "price", label: "enterprise.agreed_price", hint: "enterprise.price_hint" }],
    reasonFields: { voucher_not_live: "voucher_id", unknown_actor: "provider",
      amount_invalid: "price", region_not_accepted: "provider_region" },
    onSubmit: async (v, f) => {
      await act(identity, "voucher.assign", { voucher_id: v.voucher_id, provider: v.provider,
        provider_region: v.provider_region === region ? "" : v.provider_region,
        price: v.price ? yuan(v.price, "price") : "" }, f);
      await refresh();
    } });
  const rate = form({ id: "rate", submit: "enterprise.rate",
    fields: [{ name: "voucher_id", label: "common.voucher", type: "select",
      options: voucherChoices(vouchers.filter((v) => v.rating === undefined),
        ["redeemed", "paid"]) },
    { name: "rating", label: "enterprise.rating", type: "select",
      options: [5, 4, 3, 2, 1].map((n) => [String(n), `rating.${n}`]) },
    { name: "comment", label: "enterprise.comment", type: "textarea" }],
    reasonFields: { already_rated: "voucher_id", voucher_not_live: "voucher_id" },
    onSubmit: async (v, f) => {
      await act(identity, "feedback.rate", { voucher_id: v.voucher_id, rating: Number(v.rating),
        comment: v.comment }, f, "enterprise.rated");
      await refresh();
    } });
  const message = form({ id: "message", submit: "enterprise.send_message",
    fields: [{ name: "subject", label: "message.subject", required: true },
      { name: "text", label: "message.text", type: "textarea", required: true }],
    onSubmit: async (v, f) => {
      await act(identity, "message.post", { message_id: `M-${Date.now().toString(36)}`,
        subject: v.subject, text: v.text }, f, "message.sent");
    } });
  return { apply, confirm, redeem, assign, rate, message };
}

function applicationTable(applications) {
  return table([["enterprise.application_id", (a) => a.application_id],
    ["enterprise.face", (a) => formatFen(a.face)], ["common.category", (a) => t(`category.${a.category}`)],
    ["voucher.state", (a) => t(`application.${a.status}`)],
    ["enterprise.decision", (a) => a.voucher_id ?? a.reason ?? "—"]], applications,
  { empty: "enterprise.no_applications" });
}

export async function render({ main, region, identity, refresh }) {
  if (needIdentity(main, identity, "enterprise")) return;
  const [policyAnswer, me, list, applications] = await Promise.all([get("/v1/policy"),
    post(identity, "query.actor", {}), post(identity, "query.vouchers", { limit: 500 }),
    post(identity, "query.applications", { limit: 500 })]);
  const policy = policyAnswer.policy ?? policyAnswer;
  const vouchers = list.vouchers ?? [];
  const f = forms(identity, region, vouchers, refresh);
  const rows = table([...voucherCells(), ["proof.check", (v) => proofButton(identity, v)]],
    vouchers, { caption: "enterprise.my_vouchers", empty: "enterprise.no_vouchers" });
  main.append(h("h1", {}, t("enterprise.title", { name: me.actor?.name ?? identity.actor })),
    h("p", { class: "lead" }, t("enterprise.lead")),
    section("enterprise.quota", quota(policy, me)),
    section("enterprise.applications", applicationTable(applications.applications ?? [])),
    section("enterprise.my_vouchers", rows),
    h("div", { class: "grid" },
      section("enterprise.apply_title", f.apply),
      section("enterprise.confirm_title", h("p", { class: "hint" }, t("enterprise.confirm_lead")),
        f.confirm),
      section("enterprise.redeem_title", h("p", { class: "hint" }, t("enterprise.redeem_lead")),
        f.redeem),
      section("enterprise.assign_title", h("p", { class: "hint" }, t("enterprise.assign_lead")),
        f.assign),
      section("enterprise.rate_title", f.rate),
      section("enterprise.message_title", f.message)));
}
