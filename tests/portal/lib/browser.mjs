// Debian's Chromium, headless, driven by playwright-core (no browser download), with the flags
// that keep it off the network, and a watch on every page: console errors, and every request and
// response that passes, so the test can show no private key ever travels.

import { chromium } from "playwright-core";

export const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run"];

// playwright-core starts Chromium with a fresh --user-data-dir of its own (a new temporary
// profile, removed at close) and a fresh context per person.
export async function launch() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true, args: FLAGS });
  return { browser, close: () => browser.close() };
}

// A fresh browser context (its own IndexedDB and storage: one person's browser), and its watch.
export async function person(browser, name, { language = "zh-CN" } = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 900 }, locale: language });
  await context.addInitScript((lang) => {
    try {
      if (!localStorage.getItem("innoclear.language")) localStorage.setItem("innoclear.language", lang);
    } catch {
      // about:blank and downloads have no storage
    }
  }, language);
  // Generous: a loaded 2-core CI machine may take long to draw a page; nothing here is timed.
  context.setDefaultTimeout(60_000);
  context.setDefaultNavigationTimeout(90_000);
  const watch = { name, consoleErrors: [], traffic: [], pageErrors: [] };
  context.on("page", (page) => observe(page, watch));
  const page = await context.newPage();
  return { context, page, watch };
}

function observe(page, watch) {
  page.on("console", (message) => {
    if (message.type() === "error") watch.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => watch.pageErrors.push(String(error)));
  page.on("request", (request) => {
    watch.traffic.push({ url: request.url(), text: `${JSON.stringify(request.headers())}\n${
      request.postData() ?? ""}` });
  });
  page.on("response", async (response) => {
    try {
      const body = await response.body();
      watch.traffic.push({ url: response.url(), text: `${JSON.stringify(response.headers())}\n${
        body.toString("latin1")}` });
    } catch {
      // a redirect or a response without body
    }
  });
}
