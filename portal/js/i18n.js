// Every string the portal shows comes from one catalogue per language (js/lang/*.js). A key missing
// from the chosen catalogue is shown as the key itself and reported on the console, so that the
// browser tests find it.

// Catalogues are loaded when first chosen: a page's first load carries one language only.
const loaders = { "zh-CN": () => import("./lang/zh-CN.js"), en: () => import("./lang/en.js") };
const catalogues = {};
let language = "zh-CN";

export const languages = Object.keys(loaders);

export async function setLanguage(code) {
  language = loaders[code] ? code : "zh-CN";
  catalogues[language] ??= (await loaders[language]()).default;
  document.documentElement.lang = language;
}

export const currentLanguage = () => language;

// t("enterprise.apply", {face: "¥3,000.00"}): the string with {name} replaced.
export function t(key, vars = {}) {
  const text = catalogues[language][key];
  if (text === undefined) {
    console.error(`missing string ${language}:${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

// Whether the catalogue has `key` (reasons the node may add later fall back to a generic line).
export const has = (key) => catalogues[language][key] !== undefined;

// A node's refusal in the page's language: its stable reason, then its detail for the curious.
export function reasonText(problem) {
  const key = `reason.${problem.title}`;
  const text = has(key) ? t(key) : t("reason.other", { title: problem.title });
  return text;
}
