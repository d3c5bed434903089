// Checks, in the page, that ledger entries are in the region's signed tree: the entry's bytes
// (read with the signed query.entry) hash to the proof's leaf, the RFC 9162 inclusion proof
// leads from that leaf to the root of the latest checkpoint, and that checkpoint's signature
// verifies under the region's key when this browser keeps it (said beside the verdict when not).

import { get, post } from "../api.js";
import { canonical } from "../canonical.js";
import { equalBytes, fromBase64, utf8 } from "../encoding.js";
import { t } from "../i18n.js";
import { leafHash, verifyInclusion } from "../merkle.js";
import { parseCheckpoint, parseVerifierKey, verifyCheckpoint } from "../note.js";
import { h } from "../ui.js";

export async function latestCheckpoint() {
  const checkpoint = parseCheckpoint(await get("/v1/ledger/checkpoint"));
  if (!checkpoint) throw Object.assign(new Error("bad checkpoint"), { reason: "bad_checkpoint" });
  return checkpoint;
}

// The verifier key of checkpoints of `origin` that this browser keeps (the auditor page keeps
// each key whose signature check passed), or null.
async function keptVerifier(origin) {
  for (let i = 0; i < localStorage.length; i++) {
    const name = localStorage.key(i);
    if (!name?.startsWith("innoclear.vkey.")) continue;
    const verifier = await parseVerifierKey(localStorage.getItem(name) ?? "");
    if (verifier?.name === origin) return verifier;
  }
  return null;
}

// Whether the checkpoint's signature verifies under the kept key of its origin; null when this
// browser keeps none (the tree is then only the node's word until a key is given on the auditor
// page).
export async function checkpointSigned(checkpoint) {
  const verifier = await keptVerifier(checkpoint.origin);
  return verifier ? verifyCheckpoint(checkpoint, verifier) : null;
}

// What to add to a proof's verdict when the checkpoint's signature was not checked.
export function unsignedNote(result) {
  return result.signed === null ? ` ${t("proof.unsigned")}` : "";
}

// {index, size, ok, leafMatches, signed, entry}: whether entry `index` is in the checkpoint's
// tree, by `proof` (the Proofs format) when given, else by one read from the node now, and the
// checkpoint's signature (checkpointSigned) does not fail.
export async function verifyEntry(identity, index, checkpoint, proof = null) {
  const { entry } = await post(identity, "query.entry", { index });
  const leaf = await leafHash(utf8(canonical(entry)));
  proof ??= await get(`/v1/ledger/proof/inclusion?index=${index}&size=${checkpoint.size}`);
  const leafMatches = equalBytes(leaf, fromBase64(proof.leaf_hash));
  const included = proof.index === index && proof.tree_size === checkpoint.size &&
    await verifyInclusion(index, checkpoint.size, leaf, proof.hashes.map(fromBase64),
      checkpoint.root);
  const signed = await checkpointSigned(checkpoint);
  return { index, size: checkpoint.size, ok: leafMatches && included && signed !== false,
    leafMatches, signed, entry };
}

// The entry indices a voucher record names (its timeline), oldest first.
export function entriesOf(voucher) {
  const list = voucher.entries ?? voucher.timeline ?? [];
  return list.map((item) => (typeof item === "number" ? item : item.index))
    .filter((index) => Number.isInteger(index));
}

// A button labelled `label` that runs `check` (→ {ok, text}) and says the verdict beside itself
// (data-verified "true" or "false"); a check that could not run is said as such, and not verified.
export function checkButton(label, check) {
  const out = h("span", { class: "proof-result", role: "status" });
  const button = h("button", { type: "button", class: "secondary", onclick: async () => {
    button.disabled = true;
    out.textContent = t("common.working");
    delete out.dataset.verified;
    try {
      const { ok, text } = await check();
      out.className = ok ? "proof-result ok" : "proof-result bad";
      out.textContent = text;
      out.dataset.verified = String(ok);
    } catch (error) {
      out.className = "proof-result bad";
      out.textContent = t("proof.failed", { detail: error.title ?? error.message });
      out.dataset.verified = "false";
    } finally {
      button.disabled = false;
    }
  } }, label);
  return h("span", { class: "row-actions" }, button, out);
}

// A button that checks every entry of the voucher and says the outcome beside itself.
export function proofButton(identity, voucher) {
  const indices = entriesOf(voucher);
  if (!indices.length) return "—";
  return checkButton(t("proof.check"), async () => {
    const checkpoint = await latestCheckpoint();
    const usable = indices.filter((i) => i < checkpoint.size);
    const results = [];
    for (const index of usable) results.push(await verifyEntry(identity, index, checkpoint));
    const ok = results.length === indices.length && results.every((r) => r.ok);
    return { ok, text: ok ? t("proof.ok", { count: results.length, size: checkpoint.size }) +
      unsignedNote(results[0]) : t("proof.bad") };
  });
}
