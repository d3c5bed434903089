// Signing in is holding a key: make one here (non-extractable, in this browser) or import the key
// file `innoclear keygen` wrote; show its public key for the office to register; choose which
// key acts.

import { createKey, deleteKey, importKeyFile, listKeys } from "../keys.js";
import { t } from "../i18n.js";
import { choose } from "../session.js";
import { form, h, section, table } from "../ui.js";

function idError(actor) {
  if (/^[\x21-\x7e]{1,64}$/.test(actor) && !actor.includes("|")) return null;
  const error = new Error("bad id");
  error.reason = "actor_id";
  error.field = "actor";
  return error;
}

function publicKeyBox(record) {
  return h("div", { class: "public-key" },
    h("label", { for: "public-key" }, t("keys.public_key_of", { actor: record.actor })),
    h("input", { id: "public-key", readonly: true, value: record.publicKey, class: "mono" }),
    h("p", { class: "hint" }, t("keys.register_hint")));
}

export async function render({ main, region, identity, refresh }) {
  const records = (await listKeys()).filter((record) => record.region === region);
  const use = (actor) => {
    choose(actor);
    refresh();
  };
  const rows = table([
    ["keys.actor", (r) => h("span", { class: "mono" }, r.actor)],
    ["keys.public_key", (r) => h("span", { class: "mono small" }, r.publicKey)],
    ["keys.actions", (r) => h("div", { class: "row-actions" },
      identity?.actor === r.actor ? h("strong", {}, t("keys.in_use")) :
        h("button", { type: "button", onclick: () => use(r.actor) }, t("keys.use")),
      h("button", { type: "button", class: "secondary", onclick: async () => {
        if (!confirm(t("keys.delete_confirm", { actor: r.actor }))) return;
        await deleteKey(r.actor);
        if (identity?.actor === r.actor) choose(null);
        refresh();
      } }, t("keys.delete")))],
  ], records, { caption: "keys.in_browser", empty: "keys.none" });

  const created = h("div", {});
  const make = form({ id: "key-create", submit: "keys.create",
    fields: [{ name: "actor", label: "keys.actor_id", hint: "keys.actor_id_hint", required: true }],
    onSubmit: async ({ actor }) => {
      const bad = idError(actor.trim());
      if (bad) throw bad;
      const record = await createKey(actor.trim(), region);
      choose(record.actor);
      await refresh();
    } });
  const load = form({ id: "key-import", submit: "keys.import",
    fields: [{ name: "actor", label: "keys.actor_id", required: true },
      { name: "file", label: "keys.key_file", type: "file", hint: "keys.key_file_hint" }],
    onSubmit: async ({ actor, file }) => {
      const bad = idError(actor.trim());
      if (bad) throw bad;
      if (!file?.length) throw Object.assign(new Error("no file"), { reason: "no_file", field: "file" });
      try {
        const record = await importKeyFile(actor.trim(), region, await file[0].text());
        choose(record.actor);
      } catch (error) {
        error.field = "file";
        throw error;
      }
      await refresh();
    } });
  main.append(h("h1", {}, t("keys.title")), h("p", { class: "lead" }, t("keys.lead")),
    ...(identity ? [section("keys.current", publicKeyBox(identity))] : []),
    section("keys.in_browser", rows),
    section("keys.create_title", h("p", {}, t("keys.create_lead")), make, created),
    section("keys.import_title", load));
}
