// What a person does in the portal, as the browser tests drive it: open a page, fill a form by
// its fields' names, submit it and read the outcome the page reports.

// Opens the page afresh (a page already at that address is reloaded: what the node holds now).
export async function open(page, url, route) {
  const target = `${url}/#/${route}`;
  if (page.url() === target) await page.reload();
  else await page.goto(target);
  await page.waitForSelector(`body[data-ready="${route}"]`, { state: "attached", timeout: 60_000 });
  const failed = await page.$$eval("main > .form-error", (list) => list.map((e) => e.textContent));
  if (failed.length) throw new Error(`#/${route} did not load: ${failed.join("; ")}`);
}

// Fills form `formId` (values by field name), submits it with the keyboard or a click, waits for
// the page to report the outcome: "ok" or "refused:<reason>".
export async function submit(page, formId, values, { keyboard = false } = {}) {
  const form = page.locator(`#${formId}`);
  for (const [name, value] of Object.entries(values)) {
    const input = form.locator(`[name="${name}"]`);
    const tag = await input.evaluate((e) => `${e.tagName}:${e.type}`);
    if (tag.startsWith("SELECT")) await input.selectOption(String(value));
    else if (tag === "INPUT:file") await input.setInputFiles(value);
    else if (tag === "INPUT:checkbox") await input.setChecked(Boolean(value));
    else await input.fill(String(value));
  }
  const before = Number(await page.evaluate(() => document.body.dataset.submissions ?? 0));
  if (keyboard) {
    await form.locator("button[type=submit]").focus();
    await page.keyboard.press("Enter");
  } else {
    await form.locator("button[type=submit]").click();
  }
  await page.waitForFunction((n) => Number(document.body.dataset.submissions ?? 0) > n, before,
    { timeout: 30_000 });
  await page.waitForSelector("body[data-ready]", { state: "attached", timeout: 60_000 });
  return page.evaluate(() => ({ outcome: document.body.dataset.outcome,
    index: Number(document.body.dataset.lastIndex ?? -1) }));
}

export async function expectOk(page, formId, values, what) {
  const result = await submit(page, formId, values);
  if (result.outcome !== "ok") throw new Error(`${what}: ${result.outcome}`);
  return result;
}

export async function until(what, check, { timeoutMs = 60_000, everyMs = 500 } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
