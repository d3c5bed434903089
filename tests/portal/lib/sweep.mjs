// Every page in both languages: no missing string and no console error while it renders, every
// form field labelled, every control reachable with the Tab key; a screenshot of each.

import fs from "node:fs";
import path from "node:path";
import { assert, open } from "./steps.mjs";

const PAGES = [["directory", "enterprise"], ["policy", "enterprise"], ["keys", "enterprise"],
  ["enterprise", "enterprise"], ["provider", "provider"], ["office", "office"],
  ["auditor", "auditor"]];

async function unlabelled(page) {
  return page.$$eval("main input, main select, main textarea", (fields) => fields
    .filter((f) => f.type !== "hidden")
    .filter((f) => !(f.id && document.querySelector(`label[for="${f.id}"]`)) &&
      !f.getAttribute("aria-label") && !f.closest("label"))
    .map((f) => f.name || f.outerHTML.slice(0, 80)));
}

// Tabs through the page: every enabled, visible control gets the focus in turn.
async function keyboardReach(page) {
  const expected = await page.$$eval("a[href], button:not([disabled]), input:not([disabled]), " +
    "select:not([disabled]), textarea:not([disabled])", (list) => list.filter((e) =>
    e.offsetParent !== null || e.classList.contains("skip")).length);
  await page.evaluate(() => document.activeElement?.blur());
  const reached = new Set();
  for (let i = 0; i < expected + 5; i++) {
    await page.keyboard.press("Tab");
    const id = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      e.dataset.tabSeen ??= String(Math.random());
      return e.dataset.tabSeen;
    });
    if (id) reached.add(id);
  }
  return { expected, reached: reached.size };
}

export async function sweep({ people, urls, out, say }) {
  const shots = path.join(out, "screenshots");
  fs.mkdirSync(shots, { recursive: true });
  for (const language of ["zh-CN", "en"]) {
    for (const [route, role] of PAGES) {
      const who = people[role];
      const page = who.page;
      await page.evaluate((lang) => localStorage.setItem("innoclear.language", lang), language);
      const errorsBefore = who.watch.consoleErrors.length;
      await page.goto("about:blank");
      await open(page, urls[role], route);
      assert(await page.getAttribute("html", "lang") === language, `${route} in ${language}`);
      const errors = who.watch.consoleErrors.slice(errorsBefore);
      assert(!errors.length, `${language} ${route}: console errors: ${errors.join(" | ")}`);
      const bare = await unlabelled(page);
      assert(!bare.length, `${language} ${route}: fields without a label: ${bare.join(", ")}`);
      const reach = await keyboardReach(page);
      assert(reach.reached >= reach.expected, `${language} ${route}: Tab reached ${reach.reached}` +
        ` of ${reach.expected} controls`);
      await page.screenshot({ path: path.join(shots, `${language}-${route}.png`), fullPage: true });
    }
  }
  say(`every page in zh-CN and en: no missing string, no console error, labelled, keyboard; ` +
    `screenshots in ${shots}`);
}
