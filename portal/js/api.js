// The node's API, from the page: public GETs, and statements and queries signed in the browser
// exactly as the command line signs them (docs/formats.md, "Statements", "The signature").

import { canonical } from "./canonical.js";
import { newNonce, utf8 } from "./encoding.js";
import { sign } from "./keys.js";

// A refusal: the node's problem+json (code, title = the stable reason, detail), or a local one.
export class Problem extends Error {
  constructor({ code = 0, title = "network", detail = "", status = 0 } = {}) {
    super(`${title}: ${detail}`);
    Object.assign(this, { code, title, detail, status });
  }
}

async function answerOf(response) {
  const text = await response.text();
  const type = response.headers.get("content-type") ?? "";
  if (!response.ok) {
    if (type.startsWith("application/problem+json")) throw new Problem(JSON.parse(text));
    throw new Problem({ status: response.status, title: "http", detail: text.slice(0, 200) });
  }
  return type.startsWith("application/json") ? JSON.parse(text) : text;
}

async function send(path, init) {
  let response;
  try {
    response = await fetch(path, { cache: "no-store", credentials: "omit", ...init });
  } catch (error) {
    throw new Problem({ title: "network", detail: String(error) });
  }
  return answerOf(response);
}

export const get = (path) => send(path, { method: "GET" });

export function routeOf(kind) {
  if (kind.startsWith("query.")) return `/v1/query/${kind.slice(6)}`;
  return `/v1/${kind.replaceAll(".", "/")}`;
}

// The statement `kind` with `body`, by the signed-in identity, as canonical bytes and signature.
export async function signStatement(identity, kind, body) {
  const statement = { actor: identity.actor, body, kind, nonce: newNonce(),
    region: identity.region, time: Date.now() };
  const bytes = canonical(statement);
  return { bytes, signature: await sign(identity, utf8(bytes)) };
}

// Posts already signed bytes (a retry sends the same bytes again: the node answers "replayed").
export function postSigned(kind, signed) {
  return send(routeOf(kind), {
    method: "POST",
    headers: { "content-type": "application/json", "innoclear-signature": signed.signature },
    body: signed.bytes,
  });
}

// Signs and posts: a statement's answer {index, replayed, result}, or a query's result.
export async function post(identity, kind, body) {
  return postSigned(kind, await signStatement(identity, kind, body));
}
