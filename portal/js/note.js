// Signed checkpoints (C2SP signed-note and tlog-checkpoint): the text, its signature lines, and
// the check of an Ed25519 signature against a verifier key the auditor gives
// ("<name>+<key hash, 8 hex>+<base64 of 0x01 ‖ public key>", as `innoclear ledger vkey` prints),
// and of a witness's cosignature (C2SP tlog-cosignature v1: key type 0x04, as `innoclear ledger
// vkey --cosigner` prints; the line's payload is key hash ‖ timestamp, 8 bytes big-endian ‖
// signature, over "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint text).

import { equalBytes, fromBase64, sha256, toHex, utf8 } from "./encoding.js";

// {text, origin, size, root (bytes), signatures: [{name, bytes}]}, or null if malformed.
export function parseCheckpoint(note) {
  const split = note.indexOf("\n\n");
  if (split < 0) return null;
  const text = note.slice(0, split + 1);
  const lines = text.split("\n");
  if (lines.length < 4 || !/^\d+$/.test(lines[1])) return null;
  const signatures = note.slice(split + 2).split("\n").filter(Boolean).map((line) => {
    const match = /^— (\S+) (\S+)$/.exec(line);
    return match ? { name: match[1], bytes: fromBase64(match[2]) } : null;
  }).filter(Boolean);
  return { text, origin: lines[0], size: Number(lines[1]), root: fromBase64(lines[2]), signatures };
}

export const NOTE_KEY = 0x01;
export const COSIGNER_KEY = 0x04;

// {name, hash, key, type} from a verifier key of type `type`, or null if malformed or another type.
export async function parseVerifierKey(vkey, type = NOTE_KEY) {
  // The name holds no "+", the hash is 8 hex; the base64 key may well contain "+".
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(vkey.trim());
  if (!match) return null;
  const [, name, hashHex, key64] = match;
  let raw;
  try {
    raw = fromBase64(key64);
  } catch {
    return null;
  }
  if (raw.length !== 33 || raw[0] !== type) return null;
  const hash = (await sha256(new Uint8Array([...utf8(name), 0x0a, ...raw]))).slice(0, 4);
  if (toHex(hash) !== hashHex) return null;  // the key's own hash must match, as Go's note does
  const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false,
    ["verify"]);
  return { name, hash, key, type };
}

// Whether the checkpoint carries a valid signature by `verifier` (from parseVerifierKey).
export async function verifyCheckpoint(checkpoint, verifier) {
  for (const signature of checkpoint.signatures) {
    if (signature.name !== verifier.name || signature.bytes.length !== 68) continue;
    if (!equalBytes(signature.bytes.slice(0, 4), verifier.hash)) continue;
    if (await crypto.subtle.verify({ name: "Ed25519" }, verifier.key, signature.bytes.slice(4),
      utf8(checkpoint.text))) {
      return true;
    }
  }
  return false;
}

// The time (seconds since 1970) at which `cosigner` (a COSIGNER_KEY verifier) cosigned the
// checkpoint, or null if no line of its name and key hash verifies.
export async function verifyCosignature(checkpoint, cosigner) {
  for (const signature of checkpoint.signatures) {
    if (signature.name !== cosigner.name || signature.bytes.length !== 76) continue;
    if (!equalBytes(signature.bytes.slice(0, 4), cosigner.hash)) continue;
    const time = new DataView(signature.bytes.buffer, signature.bytes.byteOffset + 4, 8)
      .getBigUint64(0);
    if (time >= 1n << 63n) continue;
    const message = utf8(`cosignature/v1\ntime ${time}\n${checkpoint.text}`);
    if (await crypto.subtle.verify({ name: "Ed25519" }, cosigner.key, signature.bytes.slice(12),
      message)) {
      return Number(time);
    }
  }
  return null;
}
