// The test's own client of a node's API, to check each step the pages take against the node
// itself: canonical JSON (as docs/formats.md defines it) signed with Ed25519 from node:crypto.

import crypto from "node:crypto";
import https from "node:https";

const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const agent = new https.Agent({ rejectUnauthorized: false, keepAlive: true });

export function canonical(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
}

// The 32-byte seed of a key file written by `innoclear keygen`.
export function seedOf(keyFileText) {
  const [tag, seed] = keyFileText.trim().split(/\s+/);
  if (tag !== "innoclear-ed25519-seed-v1") throw new Error("not a key file");
  return Buffer.from(seed, "base64");
}

export function request(url, { method = "GET", body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const type = res.headers["content-type"] ?? "";
        resolve({ status: res.statusCode, headers: res.headers, text,
          json: type.includes("json") ? JSON.parse(text) : undefined });
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export class Client {
  constructor(url, region, actor, keyFileText) {
    Object.assign(this, { url, region, actor });
    this.key = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seedOf(keyFileText)]),
      format: "der", type: "pkcs8" });
  }

  async post(kind, body) {
    const bytes = canonical({ actor: this.actor, body, kind,
      nonce: crypto.randomBytes(16).toString("hex"), region: this.region, time: Date.now() });
    const route = kind.startsWith("query.") ? `/v1/query/${kind.slice(6)}` :
      `/v1/${kind.replaceAll(".", "/")}`;
    const signature = crypto.sign(null, Buffer.from(bytes), this.key).toString("base64");
    const answer = await request(this.url + route, { method: "POST", body: bytes,
      headers: { "content-type": "application/json", "innoclear-signature": signature } });
    if (answer.status !== 200) {
      throw new Error(`${kind} at ${this.url}: ${answer.status} ${answer.text}`);
    }
    return answer.json;
  }
}

export async function ledgerSize(url) {
  return (await request(`${url}/v1/health`)).json.ledger_size;
}
