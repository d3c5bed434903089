// The portal's shell: the header (region, pages, language, who is signed in), and the page named
// by the address's fragment (#/directory, #/enterprise, …), drawn from this node's API only.

import { get } from "./api.js";
import { currentLanguage, languages, setLanguage, t } from "./i18n.js";
import { currentIdentity } from "./session.js";
import { h } from "./ui.js";
// Each page's module is loaded when the page is first shown.
const pages = {
  directory: () => import("./pages/directory.js"),
  policy: () => import("./pages/policy.js"),
  enterprise: () => import("./pages/enterprise.js"),
  provider: () => import("./pages/provider.js"),
  office: () => import("./pages/office.js"),
  auditor: () => import("./pages/auditor.js"),
  keys: () => import("./pages/keys.js"),
};
const LANGUAGE = "innoclear.language";
let region = "";

function header(route, identity) {
  const nav = h("nav", { "aria-label": t("nav.label") }, h("ul", {},
    Object.keys(pages).map((name) => h("li", {}, h("a", {
      href: `#/${name}`, "aria-current": name === route ? "page" : null }, t(`nav.${name}`))))));
  const other = languages.find((code) => code !== currentLanguage());
  const switcher = h("button", { type: "button", class: "language", lang: other,
    onclick: async () => {
      localStorage.setItem(LANGUAGE, other);
      await setLanguage(other);
      await show();
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
  const load = pages[route] ?? pages.directory;
  const identity = await currentIdentity();
  const main = h("main", { id: "main", tabindex: "-1" });
  document.title = `${t(`nav.${route in pages ? route : "directory"}`)} · ${t("app.title")}`;
  document.getElementById("app").replaceChildren(header(route, identity), main);
  main.dataset.loading = "true";
  try {
    const page = await load();
    await page.render({ main, region, identity, refresh: show });
  } catch (error) {
    console.warn(error);
    main.append(h("p", { class: "form-error", role: "alert" }, t("app.load_failed",
      { detail: error.title ? `${error.title}: ${error.detail}` : error.message })));
  }
  delete main.dataset.loading;
  document.body.dataset.ready = route;
}

async function start() {
  const [health] = await Promise.all([get("/v1/health"),
    setLanguage(localStorage.getItem(LANGUAGE) ?? "zh-CN")]);
  region = health.origin.replace(/^innoclear\./, "");
  window.addEventListener("hashchange", show);
  await show();
}

start();
