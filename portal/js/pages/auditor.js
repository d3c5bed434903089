// The auditor: without a key, what is public — the region's signed checkpoint (its signature
// checked against a verifier key the auditor brings), consistency with the checkpoint seen before
// (checked here), the peers' checkpoints this node cosigned as witness, forks, and each region's
// reachability. With a registered auditor key: an entry browser and any voucher's entries, each
// with its inclusion proof checked in the page.

import { get, post } from "../api.js";
import { fromBase64, toBase64 } from "../encoding.js";
import { t } from "../i18n.js";
import { verifyConsistency } from "../merkle.js";
import { parseCheckpoint, parseVerifierKey, verifyCheckpoint } from "../note.js";
import { form, h, section, table } from "../ui.js";
import { REGIONS } from "./common.js";
import { entriesOf, latestCheckpoint, verifyEntry } from "./proofs.js";

const SEEN = (region) => `innoclear.seen.${region}`;
const VKEY = (region) => `innoclear.vkey.${region}`;

async function consistencyLine(region, checkpoint) {
  const seen = JSON.parse(localStorage.getItem(SEEN(region)) ?? "null");
  const remember = () => localStorage.setItem(SEEN(region), JSON.stringify(
    { size: checkpoint.size, root: toBase64(checkpoint.root) }));
  if (!seen || seen.size > checkpoint.size) {
    remember();
    return h("p", { class: "meta", id: "consistency" }, t("auditor.first_seen"));
  }
  const proof = await get(`/v1/ledger/proof/consistency?from=${seen.size}&to=${checkpoint.size}`);
  const good = await verifyConsistency(seen.size, checkpoint.size, proof.hashes.map(fromBase64),
    fromBase64(seen.root), checkpoint.root);
  if (good) remember();
  return h("p", { class: good ? "ok" : "bad", id: "consistency", "data-verified": String(good) },
    t(good ? "auditor.consistent" : "auditor.inconsistent", { from: seen.size, to: checkpoint.size }));
}

function signatureCheck(region, checkpoint) {
  const out = h("p", { role: "status", id: "signature-result" });
  const f = form({ id: "vkey", submit: "auditor.check_signature",
    fields: [{ name: "vkey", label: "auditor.vkey", hint: "auditor.vkey_hint",
      value: localStorage.getItem(VKEY(region)) ?? "" }],
    onSubmit: async (v) => {
      const verifier = await parseVerifierKey(v.vkey);
      if (!verifier) throw Object.assign(new Error("vkey"), { reason: "bad_vkey", field: "vkey" });
      const good = await verifyCheckpoint(checkpoint, verifier);
      if (good) localStorage.setItem(VKEY(region), v.vkey.trim());
      out.className = good ? "ok" : "bad";
      out.dataset.verified = String(good);
      out.textContent = t(good ? "auditor.signature_ok" : "auditor.signature_bad",
        { name: verifier.name });
    } });
  return [f, out];
}

async function federationTable(region) {
  const status = await get("/v1/federation").catch(() => null);
  if (!status) return h("p", { class: "meta" }, t("auditor.no_federation"));
  const forks = await get("/v1/federation/forks").catch(() => ({ forks: [] }));
  const rows = [];
  for (const peer of REGIONS.filter((r) => r !== region)) {
    const info = status.peers?.[peer] ?? {};
    const note = await get(`/v1/witness/${peer}`).catch(() => null);
    const checkpoint = typeof note === "string" ? parseCheckpoint(note) : null;
    rows.push({ peer, info, checkpoint });
  }
  return h("div", {},
    h("p", { class: (status.forks ?? 0) ? "bad" : "ok", id: "forks" },
      t("auditor.forks", { count: status.forks ?? (forks.forks ?? []).length })),
    table([["auditor.region", (r) => t(`region.${r.peer}`)],
      ["auditor.size", (r) => r.checkpoint?.size ?? "—"],
      ["auditor.cosigners", (r) => (r.checkpoint?.signatures ?? []).map((s) => s.name).join(", ") || "—"],
      ["auditor.reachable", (r) => h("span", { class: r.info.last_error ? "bad" : "ok" },
        t(r.info.last_error ? "auditor.unreachable" : "auditor.reachable_yes"))]], rows,
    { caption: "auditor.federation" }));
}

function entryBrowser(identity) {
  const out = h("div", { id: "entry-view" });
  const showResult = (result) => h("div", {},
    h("p", { class: result.ok ? "ok" : "bad", "data-verified": String(result.ok) },
      t(result.ok ? "proof.ok_entry" : "proof.bad", { index: result.index, size: result.size })),
    h("pre", { class: "mono small" }, JSON.stringify(result.entry, null, 2)));
  const byIndex = form({ id: "entry", submit: "auditor.show_entry",
    fields: [{ name: "index", label: "auditor.entry_index", type: "number", value: "0",
      attrs: { min: "0" } }],
    reasonFields: { not_found: "index", out_of_range: "index", not_own_party: "index" },
    onSubmit: async (v) => {
      out.replaceChildren(showResult(await verifyEntry(identity, Number(v.index),
        await latestCheckpoint())));
    } });
  const byVoucher = form({ id: "voucher-entries", submit: "auditor.show_voucher",
    fields: [{ name: "voucher_id", label: "common.voucher", required: true }],
    reasonFields: { not_found: "voucher_id", not_own_party: "voucher_id" },
    onSubmit: async (v) => {
      const { voucher } = await post(identity, "query.voucher", { voucher_id: v.voucher_id.trim() });
      const checkpoint = await latestCheckpoint();
      const results = [];
      for (const index of entriesOf(voucher)) {
        if (index < checkpoint.size) results.push(await verifyEntry(identity, index, checkpoint));
      }
      out.replaceChildren(h("pre", { class: "mono small" }, JSON.stringify(voucher, null, 2)),
        ...results.map(showResult));
    } });
  return [byIndex, byVoucher, out];
}

export async function render({ main, region, identity }) {
  const checkpoint = await latestCheckpoint();
  main.append(h("h1", {}, t("auditor.title")), h("p", { class: "lead" }, t("auditor.lead")),
    section("auditor.checkpoint",
      h("dl", { class: "facts" }, h("dt", {}, t("auditor.origin")), h("dd", {}, checkpoint.origin),
        h("dt", {}, t("auditor.size")), h("dd", { id: "checkpoint-size" }, checkpoint.size),
        h("dt", {}, t("auditor.root")), h("dd", { class: "mono small" }, toBase64(checkpoint.root))),
      await consistencyLine(region, checkpoint), ...signatureCheck(region, checkpoint)),
    section("auditor.federation", await federationTable(region)),
    identity ? section("auditor.entries", ...entryBrowser(identity)) :
      section("auditor.entries", h("p", {}, t("auditor.need_key"))));
}
