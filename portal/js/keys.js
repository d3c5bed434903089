// The user's keys: Ed25519 in WebCrypto, made non-extractable and kept in this browser's IndexedDB.
// The private key never leaves the browser: the page signs, the node sees signatures only.

import { fromBase64, toBase64 } from "./encoding.js";

const DB = "innoclear";
const STORE = "keys";
// The fixed DER prefix of a PKCS#8 Ed25519 private key (RFC 8410); the 32-byte seed follows.
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
  0x04, 0x22, 0x04, 0x20];
const KEY_FILE_TAG = "innoclear-ed25519-seed-v1";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "actor" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const request = action(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

export const listKeys = () => run("readonly", (store) => store.getAll());
export const getKey = (actor) => run("readonly", (store) => store.get(actor));
export const deleteKey = (actor) => run("readwrite", (store) => store.delete(actor));
const putKey = (record) => run("readwrite", (store) => store.put(record));

async function publicOf(publicKey) {
  return toBase64(new Uint8Array(await crypto.subtle.exportKey("raw", publicKey)));
}

// A new key for `actor` (its id: a credit code, a provider id, office.BJ): non-extractable.
export async function createKey(actor, region) {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const record = { actor, region, publicKey: await publicOf(pair.publicKey),
    privateKey: pair.privateKey, created: Date.now() };
  await putKey(record);
  return record;
}

// Imports the text of a key file written by `innoclear keygen` ("innoclear-ed25519-seed-v1
// <base64 seed>"); the stored key is non-extractable like a key made here.
export async function importKeyFile(actor, region, text) {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 2 || parts[0] !== KEY_FILE_TAG) throw reasonError("key_file_format");
  let seed;
  try {
    seed = fromBase64(parts[1]);
  } catch {
    throw reasonError("key_file_format");
  }
  if (seed.length !== 32) throw reasonError("key_file_format");
  const der = new Uint8Array([...PKCS8_PREFIX, ...seed]);
  // Imported once extractable, only to learn the public key (the JWK's x), then again without.
  const once = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", once);
  const publicKey = toBase64(fromBase64(jwk.x.replaceAll("-", "+").replaceAll("_", "/") +
    "=".repeat((4 - (jwk.x.length % 4)) % 4)));
  const privateKey = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, false,
    ["sign"]);
  der.fill(0);
  seed.fill(0);
  const record = { actor, region, publicKey, privateKey, created: Date.now() };
  await putKey(record);
  return record;
}

export async function sign(record, bytes) {
  return toBase64(new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, record.privateKey,
    bytes)));
}

function reasonError(reason) {
  const error = new Error(reason);
  error.reason = reason;
  return error;
}
