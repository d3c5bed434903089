// The provider (laboratory, institute): its services, receipts whose contract, invoice and
// payment-record hashes are computed here from the chosen files (the files are not uploaded),
// redeeming vouchers assigned to it (another region's through this node, with the outcome and
// this node's entries of it proved in the page), and its monthly figures and ratings.

import { get, post } from "../api.js";
import { barChart } from "../chart.js";
import { sha256, toHex } from "../encoding.js";
import { t } from "../i18n.js";
import { formatFen, parseYuan } from "../money.js";
import { date, form, h, section, table } from "../ui.js";
import { act, categoryOptions, needIdentity, regionOptions, voucherCells } from "./common.js";
import { checkButton, latestCheckpoint, proofButton, unsignedNote, verifyEntry }
  from "./proofs.js";

function yuan(text, field) {
  try {
    return parseYuan(text);
  } catch (error) {
    throw Object.assign(error, { field });
  }
}

async function fileHash(files, field) {
  if (!files?.length) throw Object.assign(new Error("no file"), { reason: "no_file", field });
  return toHex(await sha256(new Uint8Array(await files[0].arrayBuffer())));
}

function serviceForm(identity, refresh) {
  return form({ id: "service", submit: "provider.publish",
    fields: [{ name: "service_id", label: "provider.service_id", required: true },
      { name: "category", label: "common.category", type: "select", options: categoryOptions() },
      { name: "title", label: "provider.service_title", required: true },
      { name: "price", label: "provider.list_price", hint: "common.yuan_hint", required: true },
      { name: "capacity", label: "provider.capacity", type: "number", value: "10",
        attrs: { min: "0", step: "1" } },
      { name: "state", label: "provider.service_state", type: "select",
        options: [["offered", "provider.offered"], ["withdrawn", "provider.withdrawn"]] }],
    reasonFields: { amount_invalid: "price", invalid_id: "service_id",
      category_not_allowed: "category" },
    onSubmit: async (v, f) => {
      await act(identity, "service.publish", { service_id: v.service_id, category: v.category,
        title: v.title, price: yuan(v.price, "price"), capacity: Number(v.capacity || 0),
        state: v.state }, f);
      await refresh();
    } });
}

function receiptForm(identity) {
  return form({ id: "receipt", submit: "provider.record_receipt",
    fields: [{ name: "receipt_id", label: "common.receipt_id",
      value: `R-${Date.now().toString(36).toUpperCase()}`, required: true },
    { name: "enterprise", label: "provider.enterprise", required: true },
    { name: "category", label: "common.category", type: "select", options: categoryOptions() },
    { name: "price", label: "provider.price", hint: "common.yuan_hint", required: true },
    { name: "paid", label: "provider.paid", hint: "provider.paid_hint", value: "0" },
    { name: "payment_ref", label: "provider.payment_ref", required: true },
    { name: "contract", label: "provider.contract_file", type: "file", hint: "provider.file_hint" },
    { name: "invoice", label: "provider.invoice_file", type: "file" },
    { name: "payment", label: "provider.payment_file", type: "file" }],
    reasonFields: { amount_invalid: "price", paid_exceeds_price: "paid", id_conflict: "receipt_id",
      unknown_actor: "enterprise", invalid_credit_code: "enterprise" },
    onSubmit: async (v, f) => {
      const body = { receipt_id: v.receipt_id, enterprise: v.enterprise, category: v.category,
        price: yuan(v.price, "price"), paid: yuan(v.paid || "0", "paid"),
        payment_ref: v.payment_ref,
        contract_sha256: await fileHash(v.contract, "contract"),
        invoice_sha256: await fileHash(v.invoice, "invoice"),
        payment_sha256: await fileHash(v.payment, "payment") };
      await act(identity, "receipt.record", body, f, "provider.receipt_recorded");
    } });
}

function redeemForm(identity, region) {
  return form({ id: "provider-redeem", submit: "provider.redeem",
    fields: [{ name: "voucher_id", label: "common.voucher", required: true },
      { name: "voucher_region", label: "provider.voucher_region", type: "select",
        options: regionOptions(region) },
      { name: "receipt_id", label: "common.receipt_id", required: true }],
    reasonFields: { not_assigned: "voucher_id", voucher_not_live: "voucher_id",
      already_redeemed: "voucher_id", not_found: "voucher_id", receipt_consumed: "receipt_id" },
    onSubmit: async (v, f) => {
      const answer = await act(identity, "voucher.provider_redeem", { voucher_id: v.voucher_id,
        receipt_id: v.receipt_id,
        voucher_region: v.voucher_region === region ? "" : v.voucher_region }, f);
      const pending = answer.result?.pending;
      const status = pending ? "pending" : answer.result?.status ?? answer.result?.voucher?.status;
      if (status) f.status.textContent = t("provider.redeem_outcome", { status: t(`state.${status}`) });
      if (pending) {
        f.status.textContent += ` ${t("provider.request_made", { id: pending.request_id })}`;
        const lookup = document.querySelector("#redemption [name=request_id]");
        if (lookup) lookup.value = pending.request_id;
      }
    } });
}

// Whether this node's entries of redemption `r` say what the node reports, each proved in the
// latest checkpoint: the request (entry `requested_index`), signed by this provider for
// this voucher and receipt, and, once answered, the home region's recorded answer to that request
// with that outcome and amount. {ok, count, size}, or {waiting} while an entry is not yet in a
// checkpoint.
async function checkRedemption(identity, r) {
  const checkpoint = await latestCheckpoint();
  const indices = [r.requested_index, r.answered_index].filter(Number.isInteger);
  if (indices.some((index) => index >= checkpoint.size)) return { waiting: true };
  const results = [];
  for (const index of indices) results.push(await verifyEntry(identity, index, checkpoint));
  const [request, answer] = results.map((result) => result.entry?.statement ?? {});
  const asked = request.kind === "voucher.provider_redeem" && request.actor === identity.actor &&
    request.body?.voucher_id === r.voucher_id && request.body?.receipt_id === r.receipt_id;
  const result = answer?.body?.result ?? {};
  const answered = r.status === "pending" ? results.length === 1 :
    answer?.kind === "peer.answer" && answer.body?.request_id === r.request_id &&
    result.request_id === r.request_id &&
    result.outcome === (r.status === "redeemed" ? "done" : "refused") &&
    (r.status !== "redeemed" || result.amount === r.amount);
  return { ok: results.every((x) => x.ok) && asked && answered, count: results.length,
    size: checkpoint.size, signed: results[0].signed };
}

function redemptionCheck(identity, r) {
  return checkButton(t("proof.check"), async () => {
    const outcome = await checkRedemption(identity, r);
    return { ok: Boolean(outcome.ok), text: outcome.waiting ? t("provider.redemption_waiting") :
      outcome.ok ? t("provider.redemption_proved", { count: outcome.count, size: outcome.size }) +
        unsignedNote(outcome) : t("proof.bad") };
  });
}

// A redemption of another region's voucher, coordinated here: its outcome as this node recorded
// it, and this node's entries of it checked in the page (checkRedemption).
function redemptionLookup(identity) {
  const out = h("div", { id: "redemption-view" });
  const f = form({ id: "redemption", submit: "provider.show_redemption",
    fields: [{ name: "request_id", label: "provider.request_id", hint: "provider.request_id_hint",
      required: true }],
    reasonFields: { not_found: "request_id", not_own_party: "request_id", invalid_id: "request_id",
      bad_statement: "request_id" },
    onSubmit: async (v) => {
      const { redemption: r } = await post(identity, "query.redemption",
        { request_id: v.request_id.trim() });
      const fact = (key, value) => [h("dt", {}, t(key)), h("dd", {}, value)];
      out.replaceChildren(h("dl", { class: "facts" },
        fact("common.voucher", r.voucher_id), fact("provider.voucher_region", t(`region.${r.peer}`)),
        fact("common.receipt_id", r.receipt_id || "—"),
        fact("provider.redemption_status", h("span", { "data-status": r.status },
          t(`state.${r.status}`))),
        r.status === "redeemed" ? fact("voucher.amount", formatFen(r.amount ?? 0)) : null,
        r.status === "refused" ? fact("provider.refusal", r.reason || String(r.code)) : null,
        fact("period.name", r.period ?? "—")),
      redemptionCheck(identity, r));
    } });
  return [f, out];
}

function monthly(stats) {
  const months = {};
  for (const [key, record] of Object.entries(stats ?? {})) {
    const month = key.split("|").pop();
    const into = (months[month] ??= { amount: 0, services: 0, ratings: 0, rating_sum: 0 });
    for (const name of Object.keys(into)) into[name] += record[name] ?? 0;
  }
  return Object.entries(months).sort(([a], [b]) => (a < b ? -1 : 1));
}

export async function render({ main, region, identity, refresh }) {
  if (needIdentity(main, identity, "provider")) return;
  const [me, stats, list] = await Promise.all([post(identity, "query.actor", {}),
    post(identity, "query.stats", { limit: 500 }), post(identity, "query.vouchers", { limit: 500 })]);
  const vouchers = table([...voucherCells(), ["proof.check", (v) => proofButton(identity, v)]],
    list.vouchers ?? [], { caption: "provider.my_vouchers", empty: "provider.no_vouchers" });
  const stars = [5, 4, 3, 2, 1].map((n) => ({ label: t(`rating.${n}`),
    value: (stats.ratings ?? []).filter((r) => r.rating === n).length }));
  const ratingChart = (stats.ratings ?? []).length ?
    barChart(stars, { label: t("provider.ratings_chart") }) : null;
  const months = monthly(stats.stats);
  const figures = table([
    ["provider.month", ([month]) => month],
    ["provider.services", ([, m]) => m.services],
    ["provider.amount", ([, m]) => formatFen(m.amount)],
    ["provider.rating", ([, m]) => (m.ratings ? (m.rating_sum / m.ratings).toFixed(1) : "—")],
    ["provider.ratings", ([, m]) => m.ratings]], months, { caption: "provider.figures" });
  const chart = months.length ? barChart(months.map(([month, m]) => ({ label: month,
    value: m.amount })), { format: formatFen, label: t("provider.chart_label") }) : null;
  const directory = await get("/v1/directory").catch(() => ({}));
  const mine = (directory.providers ?? []).find((p) => p.id === identity.actor);
  const services = table([["provider.service_id", (s) => s.service_id],
    ["provider.service_title", (s) => s.title], ["common.category", (s) => t(`category.${s.category}`)],
    ["provider.list_price", (s) => formatFen(s.price)], ["provider.capacity", (s) => s.capacity]],
  mine?.services ?? [], { empty: "provider.no_services" });
  main.append(h("h1", {}, t("provider.title", { name: me.actor?.name ?? identity.actor })),
    h("p", { class: "lead" }, t("provider.lead")),
    section("provider.figures", figures, chart),
    section("provider.my_vouchers", vouchers),
    section("provider.ratings_title", ratingChart, table([["voucher.id", (r) => r.voucher_id],
      ["provider.rating", (r) => r.rating], ["enterprise.comment", (r) => r.comment || "—"],
      ["message.when", (r) => date(r.rated_ms)]], stats.ratings ?? [],
    { empty: "provider.no_ratings" })),
    section("provider.my_services", services),
    h("div", { class: "grid" },
      section("provider.publish_title", serviceForm(identity, refresh)),
      section("provider.receipt_title", h("p", { class: "hint" }, t("provider.receipt_lead")),
        receiptForm(identity)),
      section("provider.redeem_title", h("p", { class: "hint" }, t("provider.redeem_lead")),
        redeemForm(identity, region)),
      section("provider.redemptions_title", h("p", { class: "hint" },
        t("provider.redemptions_lead")), ...redemptionLookup(identity))));
}
