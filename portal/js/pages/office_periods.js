// The office's clearing periods: a period's lines (each with its ledger entry), the differences
// with each peer line by line (this side's inclusion proofs checked in the page), the
// settlement's net positions as a chart, the transfers, the signatures so far, signing the
// settlement, and the region's statements (CSV, camt.053) to download.

import { post } from "../api.js";
import { barChart } from "../chart.js";
import { t } from "../i18n.js";
import { formatFen } from "../money.js";
import { parseCheckpoint } from "../note.js";
import { download, form, h, section, table } from "../ui.js";
import { checkButton, latestCheckpoint, unsignedNote, verifyEntry } from "./proofs.js";

// A button checking, in the page, that entry `index` is in a signed tree: `checkpoint()` gives
// the tree, `proof` (optional) the inclusion proof to check instead of one read now.
function entryCheck(identity, index, checkpoint, proof = null) {
  return checkButton(t("proof.check_one", { index }), async () => {
    const result = await verifyEntry(identity, index, await checkpoint(), proof);
    return { ok: result.ok,
      text: result.ok ? t("proof.ok_one") + unsignedNote(result) : t("proof.bad") };
  });
}

function lines(identity, answer) {
  return table([
    ["period.entry", (l) => entryCheck(identity, l.index, latestCheckpoint)],
    ["common.voucher", (l) => l.voucher_id], ["period.way", (l) => t(`way.${l.way}`)],
    ["period.home", (l) => t(`region.${l.home}`)],
    ["common.provider", (l) => `${l.provider} (${t(`region.${l.provider_region}`)})`],
    ["voucher.amount", (l) => formatFen(l.amount)]], answer.lines ?? [],
  { caption: "period.lines", empty: "period.no_lines" });
}

function settlementView(identity, answer, period, rerender) {
  const settlement = answer.settlement ?? {};
  const proposal = settlement.proposal;
  if (!proposal) return h("p", { class: "meta" }, t("period.not_proposed"));
  const document = proposal.document;
  const positions = Object.entries(document.positions ?? {});
  const signed = settlement.office_signature !== undefined;
  const sign = h("button", { type: "button", id: "sign-settlement", disabled: signed,
    onclick: async () => {
      sign.disabled = true;
      try {
        await post(identity, "settlement.sign", { period,
          document_sha256: proposal.document_sha256 });
      } catch (error) {
        sign.disabled = false;
        status.textContent = t("reason.other", { title: error.title ?? error.message });
        return;
      }
      await rerender();
    } }, t(signed ? "period.signed" : "period.sign"));
  const status = h("p", { class: "meta", role: "status" },
    settlement.settled ? t("period.settled") : signed ? t("period.waiting_others") : "");
  return h("div", { class: "settlement", "data-settled": Boolean(settlement.settled) },
    h("h3", {}, t("period.positions")),
    barChart(positions.map(([region, value]) => ({ label: t(`region.${region}`), value })),
      { format: formatFen, label: t("period.positions") }),
    table([["period.payer", (x) => t(`region.${x.payer}`)],
      ["period.payee", (x) => t(`region.${x.payee}`)],
      ["voucher.amount", (x) => formatFen(x.amount)]], document.transfers ?? [],
    { caption: "period.transfers", empty: "period.no_transfers" }),
    h("p", { class: "mono small" }, t("period.document", { sha: proposal.document_sha256 })),
    h("div", { class: "row-actions" }, sign), status);
}

function downloads(identity, period) {
  const out = h("p", { class: "meta", role: "status" });
  const get = (format) => async () => {
    try {
      const answer = await post(identity, "query.statement", { period, format });
      download(answer.name ?? `${period}.${format === "csv" ? "csv" : "xml"}`, answer.text,
        format === "csv" ? "text/csv" : "application/xml");
      out.textContent = t("period.downloaded", { name: answer.name ?? period });
    } catch (error) {
      out.textContent = t("reason.other", { title: error.title ?? error.message });
    }
  };
  return h("div", { class: "row-actions" },
    h("button", { type: "button", class: "secondary", id: "download-csv", onclick: get("csv") },
      t("period.csv")),
    h("button", { type: "button", class: "secondary", id: "download-camt053",
      onclick: get("camt053") }, t("period.camt053")), out);
}

function lineText(line) {
  return `${line.voucher_id} · ${t(`way.${line.way}`)} · ${t(`region.${line.home}`)} → ` +
    `${line.provider} (${t(`region.${line.provider_region}`)}) · ${formatFen(line.amount)}`;
}

// One peer's differences report (docs/formats.md, "Differences report"), line by line: this
// side's line with its inclusion proof in the checkpoint signed for the report, checked here; the
// peer's line with where the peer proves it.
function differencesView(identity, peer, report) {
  const mine = parseCheckpoint(report.mine_checkpoint ?? "");
  const theirs = parseCheckpoint(report.their_checkpoint ?? "");
  const items = report.differences ?? [];
  const mineCheckpoint = async () => {
    const missing = t("period.no_checkpoint");
    if (!mine) throw Object.assign(new Error(missing), { title: missing });
    return mine;
  };
  return h("div", { class: "differences", "data-peer": peer },
    h("h4", {}, t("period.differences_with", { peer: t(`region.${peer}`),
      total: report.total ?? items.length })),
    table([
      ["period.line_id", (d) => d.id],
      ["period.kind", (d) => h("span", { "data-kind": d.kind }, t(`difference.${d.kind}`))],
      ["period.mine", (d) => (d.mine ? lineText(d.mine.line) : "—")],
      ["period.my_proof", (d) => (d.mine?.inclusion ?
        entryCheck(identity, d.mine.line.index, mineCheckpoint, d.mine.inclusion) :
        d.mine ? t("period.no_proof") : "—")],
      ["period.theirs", (d) => (d.theirs ? lineText(d.theirs.line) : "—")],
      ["period.their_proof", (d) => (d.theirs ?
        h("span", { class: "mono small" }, t("period.ask_peer",
          { peer: t(`region.${peer}`), url: d.theirs.proof_url })) :
        "—")]], items, { caption: "period.differences_lines" }),
    items.length < (report.total ?? 0) ?
      h("p", { class: "meta" }, t("period.differences_more", { shown: items.length,
        total: report.total })) : null,
    h("p", { class: "meta" }, t("period.report_checkpoints", { mine: mine?.size ?? "—",
      theirs: theirs?.size ?? "—", peer: t(`region.${peer}`) })));
}

export async function periodSection(identity) {
  const body = h("div", { id: "period-view" });
  let known = [];
  try {
    known = (await post(identity, "query.periods", {})).periods ?? [];
  } catch {
    known = [];
  }
  const show = async (period) => {
    const answer = await post(identity, "query.settlement", { period });
    const differences = Object.entries(answer.differences ?? {});
    body.replaceChildren(
      h("h3", {}, t("period.heading", { period })),
      differences.length ? h("div", { class: "warning" },
        h("p", {}, t("period.differences", { peers: differences.map(([peer]) => peer).join(", ") })),
        differences.map(([peer, report]) => differencesView(identity, peer, report))) :
        h("p", { class: "ok" }, t("period.no_differences")),
      lines(identity, answer), settlementView(identity, answer, period, () => show(period)),
      downloads(identity, period));
  };
  const pick = form({ id: "period", submit: "period.show",
    fields: [{ name: "period", label: "period.name", hint: "period.name_hint", required: true,
      value: known[0]?.period ?? "" }],
    reasonFields: { not_found: "period" },
    onSubmit: async (v) => show(v.period.trim()) });
  const list = known.length ? table([["period.name", (p) => h("a", { href: "#/office",
    onclick: (event) => {
      event.preventDefault();
      show(p.period ?? p);
    } }, p.period ?? p)], ["period.status", (p) => t(`period_status.${p.status ?? "open"}`)]],
  known) : null;
  return section("office.periods", list, pick, body);
}
