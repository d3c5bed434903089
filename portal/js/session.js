// Who is signed in: the key this browser holds for an actor, chosen on the keys page. Only the
// actor's id is remembered (localStorage); the key stays in IndexedDB. No cookie, no server state.

import { getKey } from "./keys.js";

const CHOSEN = "innoclear.actor";

export async function currentIdentity() {
  const actor = localStorage.getItem(CHOSEN);
  return actor ? (await getKey(actor)) ?? null : null;
}

export function choose(actor) {
  if (actor) localStorage.setItem(CHOSEN, actor);
  else localStorage.removeItem(CHOSEN);
}
