// Small DOM helpers: elements, labelled form fields, and refusals shown next to their field.

import { Problem } from "./api.js";
import { reasonText, t } from "./i18n.js";

// h("p", {class: "x"}, "text", child…): an element. Attributes starting with "on" are listeners.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

const SVG = "http://www.w3.org/2000/svg";
export function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) element.append(child);
  }
  return element;
}

let fieldNumber = 0;

// A labelled field. spec: {name, label (catalogue key), type ("text", "number", "select",
// "textarea", "file", "checkbox"), options: [[value, label key]], value, required, hint (key),
// attrs}. Returns the wrapper; its input is wrapper.input.
export function field(spec) {
  const id = `f${++fieldNumber}-${spec.name}`;
  const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert" });
  const hint = spec.hint ? h("p", { class: "hint", id: `${id}-hint` }, t(spec.hint)) : null;
  const described = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" ");
  const common = { id, name: spec.name, required: spec.required, "aria-describedby": described,
    ...spec.attrs };
  let input;
  if (spec.type === "select") {
    input = h("select", common, (spec.options ?? []).map(([value, label]) =>
      h("option", { value, selected: value === spec.value }, label.startsWith("=") ?
        label.slice(1) : t(label))));
  } else if (spec.type === "textarea") {
    input = h("textarea", { ...common, rows: 3 }, spec.value ?? "");
  } else {
    input = h("input", { ...common, type: spec.type ?? "text", value: spec.value });
  }
  const wrapper = h("div", { class: `field field-${spec.type ?? "text"}` },
    h("label", { for: id }, t(spec.label)), input, hint, error);
  wrapper.input = input;
  wrapper.error = error;
  return wrapper;
}

// A form of fields with a submit button. onSubmit(values, form) may throw a Problem or an Error
// with `reason`; the refusal is shown next to the field `reasonFields[reason]` names, or under
// the form. Returns the form element; form.fields maps names to field wrappers.
export function form({ fields, submit, onSubmit, reasonFields = {}, id }) {
  const wrappers = fields.map(field);
  const status = h("p", { class: "form-status", role: "status", "aria-live": "polite" });
  const button = h("button", { type: "submit" }, t(submit));
  const element = h("form", { class: "form", id, novalidate: true }, wrappers,
    h("div", { class: "actions" }, button), status);
  element.fields = Object.fromEntries(wrappers.map((w) => [w.input.name, w]));
  element.status = status;
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(element);
    const values = Object.fromEntries(wrappers.map((w) => [w.input.name, valueOf(w.input)]));
    button.disabled = true;
    status.textContent = t("common.working");
    let outcome = "ok";
    try {
      await onSubmit(values, element);
      if (status.textContent === t("common.working")) status.textContent = t("common.done");
    } catch (error) {
      status.textContent = "";
      outcome = `refused:${showRefusal(element, error, reasonFields)}`;
    } finally {
      button.disabled = false;
      // The last form's outcome, for people using assistive technology and for the tests.
      document.body.dataset.outcome = outcome;
      document.body.dataset.submissions = String(Number(document.body.dataset.submissions ?? 0) + 1);
    }
  });
  return element;
}

function valueOf(input) {
  if (input.type === "checkbox") return input.checked;
  if (input.type === "file") return input.files;
  return input.value;
}

export function clearErrors(element) {
  for (const error of element.querySelectorAll(".field-error")) error.textContent = "";
  for (const input of element.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  element.querySelector(".form-error")?.remove();
}

// Shows `error` (a node's Problem, or a local Error with a `reason`) in the page's language, next
// to its field or under the form; returns the reason.
export function showRefusal(element, error, reasonFields = {}) {
  const reason = error instanceof Problem ? error.title : error.reason ?? "other";
  const text = error instanceof Problem ? reasonText(error) :
    t(`local.${reason}`, { detail: error.message });
  const target = element.fields?.[reasonFields[reason] ?? error.field];
  const box = target ? target.error : h("p", { class: "form-error", role: "alert" });
  box.textContent = text;
  box.dataset.reason = reason;
  if (error instanceof Problem && error.detail) box.title = error.detail;
  if (target) {
    target.input.setAttribute("aria-invalid", "true");
    target.input.focus();
  } else {
    element.append(box);
  }
  return reason;
}

// A table: columns [[catalogue key, row → cell]], rows.
export function table(columns, rows, { caption, empty = "common.none" } = {}) {
  if (!rows.length) return h("p", { class: "empty" }, t(empty));
  return h("table", {},
    caption ? h("caption", {}, t(caption)) : null,
    h("thead", {}, h("tr", {}, columns.map(([key]) => h("th", { scope: "col" }, t(key))))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map(([, cell]) => h("td", {},
      cell(row)))))));
}

export function section(titleKey, ...children) {
  return h("section", { class: "card" }, h("h2", {}, t(titleKey)), ...children);
}

export function date(ms) {
  if (!ms) return "—";
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

// Offers `text` as a file download (statements, CSV): made in the page, nothing fetched.
export function download(name, text, type = "text/plain") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
