// The portal's shell: the header (region, pages, language, who is signed in), and the page named
// by the address's fragment (#/directory, #/enterprise, …), drawn from this node's API only.

import { get } from "./api.js";
import { currentLanguage, languages, setLanguage, t } from "./i18n.js";
import { currentIdentity } from "./session.js";
import { h } from "./ui.js";
import * as auditor from "./pages/auditor.js";
import * as directory from "./pages/directory.js";
import * as enterprise from "./pages/enterprise.js";
import * as keys from "./pages/keys.js";
import * as office from "./pages/office.js";
import * as policy from "./pages/policy.js";
import * as provider from "./pages/provider.js";

const pages = { directory, policy, enterprise, provider, office, auditor, keys };
const LANGUAGE = "innoclear.language";
let region = "";

function header(route, identity) {
  const nav = h("nav", { "aria-label": t("nav.label") }, h("ul", {},
    Object.keys(pages).map((name) => h("li", {}, h("a", {
      href: `#/${name}`, "aria-current": name === route ? "page" : null }, t(`nav.${name}`))))));
  const other = languages.find((code) => code !== currentLanguage());
  const switcher = h("button", { type: "button", class: "language", lang: other,
    onclick: () => {
      localStorage.setItem(LANGUAGE, other);
      setLanguage(other);
      show();
    } }, t("app.switch_language"));
  const who = identity ? h("a", { href: "#/keys", class: "who" }, t("app.signed_in_as",
    { actor: identity.actor })) : h("a", { href: "#/keys", class: "who" }, t("app.sign_in"));
  return h("header", { class: "top" },
    h("a", { class: "skip", href: "#main", onclick: (event) => {
      event.preventDefault();
      document.getElementById("main").focus();
    } }, t("app.skip")),
    h("div", { class: "brand" }, h("span", { class: "title" }, t("app.title")),
      h("span", { class: "region" }, t(`region.${region}`))),
    nav, h("div", { class: "tools" }, who, switcher));
}

async function show() {
  delete document.body.dataset.ready;
  const route = location.hash.replace(/^#\/?/, "").split("/")[0] || "directory";
  const page = pages[route] ?? directory;
  const identity = await currentIdentity();
  const main = h("main", { id: "main", tabindex: "-1" });
  document.title = `${t(`nav.${route in pages ? route : "directory"}`)} · ${t("app.title")}`;
  document.getElementById("app").replaceChildren(header(route, identity), main);
  main.dataset.loading = "true";
  try {
    await page.render({ main, region, identity, refresh: show });
  } catch (error) {
    console.warn(error);
    main.append(h("p", { class: "form-error", role: "alert" }, t("app.load_failed",
      { detail: error.title ?? error.message })));
  }
  delete main.dataset.loading;
  document.body.dataset.ready = route;
}

async function start() {
  setLanguage(localStorage.getItem(LANGUAGE) ?? "zh-CN");
  const health = await get("/v1/health");
  region = health.origin.replace(/^innoclear\./, "");
  window.addEventListener("hashchange", show);
  await show();
}

start();
