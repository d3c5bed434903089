// The portal's page modules under Node: what the browser runs, checked against the documents and
// against references written here. Run: node tests/portal/unit_test.mjs
import assert from "node:assert/strict";
import nodeCrypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

globalThis.crypto ??= nodeCrypto.webcrypto;  // Node 18 has WebCrypto, not yet as a global
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const portal = (file) => import(path.join(root, "portal/js", file));
const { canonical } = await portal("canonical.js");
const { parseYuan, formatFen } = await portal("money.js");
const { leafHash, verifyInclusion, verifyConsistency } = await portal("merkle.js");
const { toBase64 } = await portal("encoding.js");
let checks = 0;
const check = (name, fn) => Promise.resolve(fn()).then(() => { checks++; }, (error) => {
  console.error(`portal unit: ${name}: ${error.message}`);
  process.exitCode = 1;
});

// docs/formats.md's worked envelope: the page's canonical bytes and Ed25519 signature (the key's
// seed is SHA-256 of the actor id) must be exactly the documented ones.
await check("worked envelope", async () => {
  const block = fs.readFileSync(path.join(root, "docs/formats.md"), "utf8")
    .split("```signed\n")[1].split("```")[0].trim().split("\n");
  const bytes = block[2];
  const statement = JSON.parse(bytes);
  assert.equal(canonical(statement), bytes);
  const seed = nodeCrypto.createHash("sha256").update(statement.actor).digest();
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const key = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, false, ["sign"]);
  const signature = toBase64(new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key,
    new TextEncoder().encode(canonical(statement)))));
  assert.equal(`Innoclear-Signature: ${signature}`, block[3]);
});

await check("canonical JSON", () => {
  assert.equal(canonical({ b: 1, a: [true, null, "x/\u007f\u00e9\n\u0001"] }),
    '{"a":[true,null,"x/\u007f\u00e9\\n\\u0001"],"b":1}');
  assert.throws(() => canonical({ a: 1.5 }));
  assert.equal(canonical(-0), "0");
});

await check("yuan", () => {
  for (const [text, fen] of [["3000", 300000], ["1234.5", 123450], ["0.01", 1], ["¥1,234.50", 123450],
    [" 7 ", 700]]) {
    assert.equal(parseYuan(text), fen, text);
  }
  for (const [text, reason] of [["3000.123", "amount_decimals"], ["abc", "amount_format"],
    ["-1", "amount_format"], ["1e3", "amount_format"], ["", "amount_format"]]) {
    assert.throws(() => parseYuan(text), (error) => error.reason === reason, text);
  }
  assert.equal(formatFen(123450), "¥1,234.50");
  assert.equal(formatFen(-120000), "-¥1,200.00");
  assert.equal(formatFen(5), "¥0.05");
});

// RFC 9162 reference: MTH, PATH and PROOF written from the RFC's recursive definitions.
const sha = (...parts) => nodeCrypto.createHash("sha256").update(Buffer.concat(parts)).digest();
const split = (n) => 2 ** Math.floor(Math.log2(n - 1));
const mth = (leaves) => (leaves.length === 1 ? sha(Buffer.from([0]), leaves[0]) :
  sha(Buffer.from([1]), mth(leaves.slice(0, split(leaves.length))),
    mth(leaves.slice(split(leaves.length)))));
function pathOf(m, leaves) {
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k ? [...pathOf(m, leaves.slice(0, k)), mth(leaves.slice(k))] :
    [...pathOf(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}
function subproof(m, leaves, whole) {
  const n = leaves.length;
  if (m === n) return whole ? [] : [mth(leaves)];
  const k = split(n);
  return m <= k ? [...subproof(m, leaves.slice(0, k), whole), mth(leaves.slice(k))] :
    [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

await check("inclusion and consistency proofs", async () => {
  const leaves = Array.from({ length: 21 }, (_, i) => Buffer.from(`entry ${i}`));
  for (let n = 1; n <= leaves.length; n++) {
    const root = new Uint8Array(mth(leaves.slice(0, n)));
    for (let m = 0; m < n; m++) {
      const leaf = await leafHash(new Uint8Array(leaves[m]));
      const proof = pathOf(m, leaves.slice(0, n)).map((b) => new Uint8Array(b));
      assert.ok(await verifyInclusion(m, n, leaf, proof, root), `inclusion ${m} in ${n}`);
      if (proof.length) {
        const bad = proof.map((p) => p.slice());
        bad[0][0] ^= 1;
        assert.equal(await verifyInclusion(m, n, leaf, bad, root), false, `tampered ${m} in ${n}`);
      }
      assert.equal(await verifyInclusion(n, n, leaf, proof, root), false, `index ${n} of ${n}`);
    }
    for (let m = 1; m <= n; m++) {
      const proof = (m === n ? [] : subproof(m, leaves.slice(0, n), true))
        .map((b) => new Uint8Array(b));
      const first = new Uint8Array(mth(leaves.slice(0, m)));
      assert.ok(await verifyConsistency(m, n, proof, first, root), `consistency ${m} → ${n}`);
      if (m < n) {
        const other = new Uint8Array(mth([...leaves.slice(0, m - 1), Buffer.from("forged")]));
        assert.equal(await verifyConsistency(m, n, proof, other, root), false, `forged ${m} → ${n}`);
      }
    }
  }
});

// C2SP signed notes: a verifier key whose base64 carries "+" or "/" (one key in three or so) must
// parse, its signature on a checkpoint must verify, and a wrong hash, text or key must not.
await check("verifier keys and checkpoint signatures", async () => {
  const { parseCheckpoint, parseVerifierKey, verifyCheckpoint } = await portal("note.js");
  const name = "innoclear.example/BJ";
  const text = `${name}\n5\n${toBase64(new Uint8Array(32).fill(7))}\n`;
  const signer = (i) => {
    const seed = nodeCrypto.createHash("sha256").update(`vkey ${i}`).digest();
    const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
    const privateKey = nodeCrypto.createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    const raw = Buffer.concat([Buffer.from([1]),
      nodeCrypto.createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(-32)]);
    const hash = nodeCrypto.createHash("sha256").update(Buffer.concat([Buffer.from(`${name}\n`), raw]))
      .digest().subarray(0, 4);
    const signature = nodeCrypto.sign(null, Buffer.from(text), privateKey);
    return { vkey: `${name}+${hash.toString("hex")}+${raw.toString("base64")}`,
      line: `— ${name} ${Buffer.concat([hash, signature]).toString("base64")}` };
  };
  const keys = Array.from({ length: 40 }, (_, i) => signer(i));
  for (const mark of ["+", "/"]) {
    const one = keys.find((k) => k.vkey.split("+").slice(2).join("+").includes(mark));
    assert.ok(one, `a key whose base64 holds ${mark}`);
    const verifier = await parseVerifierKey(` ${one.vkey}\n`);
    assert.ok(verifier, `${one.vkey} parses`);
    assert.equal(await verifyCheckpoint(parseCheckpoint(`${text}\n${one.line}\n`), verifier), true);
    const other = keys.find((k) => k !== one);
    assert.equal(await verifyCheckpoint(parseCheckpoint(`${text}\n${other.line}\n`), verifier), false);
    const forged = text.replace("\n5\n", "\n6\n");
    assert.equal(await verifyCheckpoint(parseCheckpoint(`${forged}\n${one.line}\n`), verifier), false);
    const [head, hash, ...rest] = one.vkey.split("+");
    const wrongHash = `${head}+${hash === "00000000" ? "00000001" : "00000000"}+${rest.join("+")}`;
    assert.equal(await parseVerifierKey(wrongHash), null, "a key hash that does not match");
  }
  for (const bad of ["", "BJ", "BJ+0011aabb", "a b+0011aabb+AQ==", "BJ+0011aabb+AQ=",
    "BJ+0011AABB+" + "A".repeat(44)]) {
    assert.equal(await parseVerifierKey(bad), null, JSON.stringify(bad));
  }
});

// A witness's cosignature (C2SP tlog-cosignature v1), made here from the spec: key type 0x04, the
// line's payload key hash ‖ timestamp (8 bytes, big-endian) ‖ signature over
// "cosignature/v1\ntime <t>\n" ‖ checkpoint text.
await check("witness cosignatures", async () => {
  const { COSIGNER_KEY, parseCheckpoint, parseVerifierKey, verifyCheckpoint, verifyCosignature } =
    await portal("note.js");
  const text = `innoclear.example/TJ\n9\n${toBase64(new Uint8Array(32).fill(3))}\n`;
  const name = "innoclear.example/BJ";
  const seed = nodeCrypto.createHash("sha256").update("witness").digest();
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const privateKey = nodeCrypto.createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  const pub = nodeCrypto.createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(-32);
  const keyOf = (type) => {
    const raw = Buffer.concat([Buffer.from([type]), pub]);
    const hash = nodeCrypto.createHash("sha256").update(Buffer.concat([Buffer.from(`${name}\n`), raw]))
      .digest().subarray(0, 4);
    return { hash, vkey: `${name}+${hash.toString("hex")}+${raw.toString("base64")}` };
  };
  const cosigner = keyOf(4);
  const time = 1795000000n;
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64BE(time);
  const cosign = (body, t = stamp) => `— ${name} ${Buffer.concat([cosigner.hash, t,
    nodeCrypto.sign(null, Buffer.from(`cosignature/v1\ntime ${t.readBigUInt64BE()}\n${body}`),
      privateKey)]).toString("base64")}`;
  const verifier = await parseVerifierKey(cosigner.vkey, COSIGNER_KEY);
  assert.ok(verifier, "a cosigner key parses as one");
  assert.equal(await parseVerifierKey(cosigner.vkey), null, "a cosigner key is not a note key");
  assert.equal(await parseVerifierKey(keyOf(1).vkey, COSIGNER_KEY), null, "nor the other way");
  const note = `${text}\n${cosign(text)}\n`;
  assert.equal(await verifyCosignature(parseCheckpoint(note), verifier), Number(time));
  assert.equal(await verifyCheckpoint(parseCheckpoint(note), verifier), false,
    "a cosignature is no checkpoint signature");
  const forged = text.replace("\n9\n", "\n10\n");
  assert.equal(await verifyCosignature(parseCheckpoint(`${forged}\n${cosign(text)}\n`), verifier),
    null, "a cosignature of another checkpoint");
  const later = Buffer.alloc(8);
  later.writeBigUInt64BE(time + 1n);
  const line = cosign(text);
  const payload = Buffer.from(line.split(" ")[2], "base64");
  later.copy(payload, 4);
  assert.equal(await verifyCosignature(parseCheckpoint(
    `${text}\n— ${name} ${payload.toString("base64")}\n`), verifier), null, "a changed time");
});

// Both catalogues hold the same keys, every key the modules name, and every reason a client can
// meet (the stable names from bad_statement on, base/status.h).
await check("catalogues", async () => {
  const en = (await portal("lang/en.js")).default;
  const zh = (await portal("lang/zh-CN.js")).default;
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  const sources = [];
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).forEach((d) =>
    (d.isDirectory() ? (d.name !== "lang" && walk(path.join(dir, d.name))) :
      d.name.endsWith(".js") && sources.push(fs.readFileSync(path.join(dir, d.name), "utf8"))));
  walk(path.join(root, "portal/js"));
  const families = /^(app|nav|common|gate|keys|directory|policy|enterprise|message|voucher|proof|provider|office|period|auditor|local|reason|role|application)\./;
  const named = new Set(sources.join("\n").match(/"[a-z_]+\.[a-z_0-9]+"/g).map((s) => s.slice(1, -1))
    .filter((key) => families.test(key) && !/\.(js|css|html)$/.test(key) &&
      !/^(voucher|policy|budget|payout|message|actor|provider)\.(apply|approve|refuse|assign|redeem|provider_redeem|set|allocate|record|post|register|revoke)$/.test(key)));
  const missing = [...named].filter((key) => !(key in en));
  assert.deepEqual(missing, [], "keys the modules name but the catalogue lacks");
  const status = fs.readFileSync(path.join(root, "base/status.h"), "utf8");
  const reasons = [...status.matchAll(/^\s+([a-z_]+) = (\d+),/gm)]
    .filter(([, , code]) => Number(code) >= 4001).map(([, name]) => name);
  const lacking = reasons.filter((name) => !(`reason.${name}` in en));
  assert.deepEqual(lacking, [], "reasons without a message");
});

if (!process.exitCode) console.log(`portal unit: ${checks} checks passed`);
