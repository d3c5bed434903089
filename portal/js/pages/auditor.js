// The auditor: without a key, what is public — the region's signed checkpoint (its signature
// checked against a verifier key the auditor brings), consistency with the checkpoint seen before
// (checked here), the witnesses' cosignatures of this region's checkpoints (each checked here
// against the cosigner keys the auditor brings, and for consistency with the checkpoint shown),
// the peers' checkpoints this node cosigned as witness, forks, and each region's reachability.
// With a registered auditor key: an entry browser and any voucher's entries, each with its
// inclusion proof checked in the page. A key whose signature check passed is kept by this
// browser, and every other page's proofs then check the checkpoint's signature with it too.

import { get, post } from "../api.js";
import { fromBase64, toBase64 } from "../encoding.js";
import { t } from "../i18n.js";
import { verifyConsistency } from "../merkle.js";
import { COSIGNER_KEY, parseCheckpoint, parseVerifierKey, verifyCheckpoint, verifyCosignature }
  from "../note.js";
import { date, form, h, section, table } from "../ui.js";
import { REGIONS } from "./common.js";
import { entriesOf, latestCheckpoint, unsignedNote, verifyEntry } from "./proofs.js";

const SEEN = (region) => `innoclear.seen.${region}`;
const VKEY = (region) => `innoclear.vkey.${region}`;
const COSIGNERS = (region) => `innoclear.cosigners.${region}`;

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

// `onVerified` runs after a key whose signature check passed is kept.
function signatureCheck(region, checkpoint, onVerified) {
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
      if (good) await onVerified();
    } });
  return [f, out];
}

// A verdict cell: true, false, or null (nothing to check with), as text and as data-verified.
function verdict(value, { ok, bad, none }) {
  if (value === null) return h("span", { class: "meta" }, t(none));
  return h("span", { class: value ? "ok" : "bad", "data-verified": String(value) },
    t(value ? ok : bad));
}

async function cosignerKeys(text) {
  const keys = [];
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const key = await parseVerifierKey(line, COSIGNER_KEY);
    if (!key) throw Object.assign(new Error(line), { reason: "bad_vkey", field: "cosigners" });
    keys.push(key);
  }
  return keys;
}

// Whether one checkpoint of this log is a prefix of the other (either may be the larger: the
// copies are gathered while the ledger grows); null when no proof could be read.
async function consistent(a, b) {
  if (a.origin !== b.origin) return false;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const proof = await get(`/v1/ledger/proof/consistency?from=${small.size}&to=${large.size}`)
    .catch(() => null);
  if (!proof) return null;
  return verifyConsistency(small.size, large.size, proof.hashes.map(fromBase64), small.root,
    large.root);
}

// Per witness: what it cosigned of this region's ledger, with the region's signature, the
// witness's cosignature and the consistency with `checkpoint` each checked here. Nothing the node
// says is taken on trust: a row is named by the cosigner key that verified it, and a key counts
// for one row only (a node cannot show one witness's cosignature as five).
async function witnessRows(region, view, checkpoint, keys) {
  const own = await parseVerifierKey(localStorage.getItem(VKEY(region)) ?? "");
  const witnesses = view.witnesses ?? [];
  const copies = witnesses.map((witness) => (witness.note ? parseCheckpoint(witness.note) : null));
  // The proofs are read at once: on a remote station's link each read is a round trip.
  const consistency = await Promise.all(copies.map((copy) =>
    (copy ? consistent(copy, checkpoint) : null)));
  const counted = new Set();
  const rows = [];
  for (const [i, witness] of witnesses.entries()) {
    const copy = copies[i];
    const row = { witness, copy, signed: null, time: null, cosigned: null,
      consistent: consistency[i], cosigner: null };
    if (witness.note && !copy) Object.assign(row, { signed: false, consistent: false });
    if (copy) {
      if (own) row.signed = await verifyCheckpoint(copy, own);
      const key = keys.find((k) => k.name === witness.cosigner);
      if (key) {
        row.time = await verifyCosignature(copy, key);
        row.cosigned = row.time !== null && !counted.has(key.name);
        if (row.cosigned) row.cosigner = key.name;
        counted.add(key.name);
      }
    }
    rows.push(row);
  }
  return rows;
}

// The section and a function that draws its table again (after the region's key is checked).
async function witnessSection(region, checkpoint) {
  const view = await get("/v1/ledger/cosigned").catch(() => null);
  if (!view) {
    return { nodes: [h("p", { class: "meta" }, t("auditor.no_federation"))], redraw: async () => {} };
  }
  const out = h("div", { id: "witnesses" });
  let keys = [];
  const draw = async () => {
    const rows = await witnessRows(region, view, checkpoint, keys);
    out.replaceChildren(table([
      ["auditor.witness", (r) => h("span", {}, t(`region.${r.witness.region}`),
        r.cosigner ? h("span", { class: "mono small" }, ` ${r.cosigner}`) : null)],
      ["auditor.size", (r) => r.copy?.size ?? "—"],
      ["auditor.cosigned_at", (r) => (r.cosigned ? date(r.time * 1000) : "—")],
      ["auditor.region_signature", (r) => verdict(r.signed, { ok: "auditor.yes", bad: "auditor.no",
        none: r.copy ? "auditor.vkey_first" : "auditor.nothing_yet" })],
      ["auditor.cosignature", (r) => h("span", { class: "cosignature" }, verdict(r.cosigned,
        { ok: "auditor.yes", bad: "auditor.no",
          none: r.copy ? "auditor.cosigner_key_needed" : "auditor.nothing_yet" }))],
      ["auditor.consistent_now", (r) => verdict(r.consistent, { ok: "auditor.yes",
        bad: "auditor.no", none: r.copy ? "auditor.not_checked" : "auditor.nothing_yet" })],
      ["auditor.last_error", (r) => r.witness.last_error || "—"]], rows,
    { caption: "auditor.witnesses_table" }));
  };
  const saved = localStorage.getItem(COSIGNERS(region)) ?? "";
  keys = await cosignerKeys(saved).catch(() => []);
  await draw();
  const f = form({ id: "cosigners", submit: "auditor.check_cosignatures",
    fields: [{ name: "cosigners", label: "auditor.cosigner_keys",
      hint: "auditor.cosigner_keys_hint", type: "textarea", value: saved }],
    onSubmit: async (v) => {
      keys = await cosignerKeys(v.cosigners);
      localStorage.setItem(COSIGNERS(region), v.cosigners.trim());
      await draw();
    } });
  return { nodes: [h("p", { class: "meta" }, t("auditor.witnesses_lead")), out, f], redraw: draw };
}

async function federationTable(region) {
  const status = await get("/v1/federation").catch(() => null);
  if (!status) return h("p", { class: "meta" }, t("auditor.no_federation"));
  const forks = await get("/v1/federation/forks").catch(() => ({ forks: [] }));
  const rows = await Promise.all(REGIONS.filter((r) => r !== region).map(async (peer) => {
    const note = await get(`/v1/witness/${peer}`).catch(() => null);
    return { peer, info: status.peers?.[peer] ?? {},
      checkpoint: typeof note === "string" ? parseCheckpoint(note) : null };
  }));
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
      result.ok ? t("proof.ok_entry", { index: result.index, size: result.size }) +
        unsignedNote(result) : t("proof.bad")),
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
  const [consistency, witnesses, federation] = await Promise.all([
    consistencyLine(region, checkpoint), witnessSection(region, checkpoint),
    federationTable(region)]);
  main.append(h("h1", {}, t("auditor.title")), h("p", { class: "lead" }, t("auditor.lead")),
    section("auditor.checkpoint",
      h("dl", { class: "facts" }, h("dt", {}, t("auditor.origin")), h("dd", {}, checkpoint.origin),
        h("dt", {}, t("auditor.size")), h("dd", { id: "checkpoint-size" }, checkpoint.size),
        h("dt", {}, t("auditor.root")), h("dd", { class: "mono small" }, toBase64(checkpoint.root))),
      consistency, ...signatureCheck(region, checkpoint, witnesses.redraw)),
    section("auditor.witnesses", ...witnesses.nodes),
    section("auditor.federation", federation),
    identity ? section("auditor.entries", ...entryBrowser(identity)) :
      section("auditor.entries", h("p", {}, t("auditor.need_key"))));
}
