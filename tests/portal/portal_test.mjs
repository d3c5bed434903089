// The portal in a real browser: a whole cross-region voucher life through the pages alone, each
// step checked against the nodes' API; keys that never leave the browser; bad input refused with
// the right reason and nothing written; both languages on every page, labelled fields, the
// keyboard, no console error; screenshots; first-load bytes and time on a throttled link.
//
//   node tests/portal/portal_test.mjs --innoclear build/cli/innoclear --out build/portal-test
//
// Prints one line per step and the figures; exits non-zero at the first failure.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { launch, person } from "./lib/browser.mjs";
import { Client, ledgerSize, request, seedOf } from "./lib/client.mjs";
import { REGIONS, startFederation } from "./lib/federation.mjs";
import { sweep } from "./lib/sweep.mjs";
import { assert, expectOk, open, submit, until } from "./lib/steps.mjs";
import { throttledLoads } from "./lib/throttle.mjs";

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
  (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const innoclear = path.resolve(args.innoclear ?? "build/cli/innoclear");
const out = path.resolve(args.out ?? "build/portal-test");
fs.mkdirSync(out, { recursive: true });

const ENTERPRISE = "91110108MA01C3KD58";  // a valid Beijing credit code (GB 32100)
const LAB = "LAB-TJ-PORTAL";
const AUDITOR = "AUD-BJ-1";
const year = new Date().getUTCFullYear();
const say = (text) => console.log(`portal: ${text}`);

async function main() {
  const fed = await startFederation({ innoclear, periodSeconds: Number(args.period ?? 40) });
  const { browser, close } = await launch();
  try {
    await run(fed, browser);
  } catch (error) {
    // What each person's page showed when the test failed, for whoever reads the failure.
    for (const [i, context] of browser.contexts().entries()) {
      for (const [j, page] of context.pages().entries()) {
        await page.screenshot({ path: path.join(out, `failure-${i}-${j}.png`), fullPage: true })
          .catch(() => {});
      }
    }
    throw error;
  } finally {
    await close();
    await fed.stop();
  }
}

async function run(fed, browser) {
  const url = fed.urls;
  const office = Object.fromEntries(REGIONS.map((r) =>
    [r, new Client(url[r], r, `office.${r}`, fed.officeKey(r))]));
  const people = {};
  for (const r of REGIONS) people[r] = await person(browser, `office ${r}`);
  const officeBJ = people.BJ.page;
  const officeTJ = people.TJ.page;

  // Every office imports its key file in its own browser.
  for (const r of REGIONS) {
    const page = people[r].page;
    await open(page, url[r], "keys");
    await expectOk(page, "key-import", { actor: `office.${r}`, file: { name: "office.key",
      mimeType: "text/plain", buffer: Buffer.from(fed.officeKey(r)) } }, `import office.${r}`);
  }
  say("six offices imported their key files");

  // The enterprise makes its key in its browser; the page shows the public key.
  const ent = await person(browser, "enterprise");
  await open(ent.page, url.BJ, "keys");
  await expectOk(ent.page, "key-create", { actor: ENTERPRISE }, "enterprise key");
  const enterpriseKey = await ent.page.inputValue("#public-key");
  assert(/^[A-Za-z0-9+/]{43}=$/.test(enterpriseKey), "public key shown");
  const stored = await ent.page.evaluate(async () => new Promise((resolve) => {
    const req = indexedDB.open("innoclear", 1);
    req.onsuccess = () => {
      const get = req.result.transaction("keys").objectStore("keys").getAll();
      get.onsuccess = async () => {
        const key = get.result[0].privateKey;
        let exported = "refused";
        try {
          await crypto.subtle.exportKey("pkcs8", key);
          exported = "exported";
        } catch { /* expected */ }
        resolve({ extractable: key.extractable, exported, type: key.type });
      };
    };
  }));
  assert(stored.extractable === false && stored.exported === "refused" &&
    stored.type === "private", `private key non-extractable: ${JSON.stringify(stored)}`);
  say("enterprise key made in the browser: non-extractable, export refused");

  // Bad input at registration: a wrong credit code check character.
  await open(officeBJ, url.BJ, "office");
  let size = await ledgerSize(url.BJ);
  let result = await submit(officeBJ, "register", { id: "91110108MA01C3KD59", role: "enterprise",
    name: "坏代码公司", key: enterpriseKey });
  assert(result.outcome === "refused:invalid_credit_code", `wrong credit code: ${result.outcome}`);
  assert(await ledgerSize(url.BJ) === size, "a refused registration writes nothing");
  result = await expectOk(officeBJ, "register", { id: ENTERPRISE, role: "enterprise",
    name: "北京示例科技有限公司", key: enterpriseKey }, "register enterprise");
  const registered = (await office.BJ.post("query.entry", { index: result.index })).entry;
  assert(registered.statement.kind === "actor.register" &&
    registered.statement.body.key === enterpriseKey, "registration entry holds the browser's key");
  await expectOk(officeBJ, "budget", { year, amount: "1000000" }, "allocate budget");
  const report = await office.BJ.post("query.report", {});
  assert(report.budgets[String(year)].total === 100_000_000, "budget allocated: ¥1,000,000.00");
  say("BJ office registered the enterprise (entry checked) and allocated ¥1,000,000.00");

  // The enterprise applies: three bad inputs first, each refused with its reason, nothing written.
  await open(ent.page, url.BJ, "enterprise");
  size = await ledgerSize(url.BJ);
  for (const [face, reason] of [["3000.123", "amount_decimals"], ["6000", "over_face_cap"],
    ["abc", "amount_format"]]) {
    result = await submit(ent.page, "apply", { application_id: "A-BAD", face });
    assert(result.outcome === `refused:${reason}`, `face ${face}: ${result.outcome}`);
    const shown = await ent.page.locator("#apply [data-reason]").first().textContent();
    assert(shown && shown.length > 0, "the reason is shown next to the field");
  }
  assert(await ledgerSize(url.BJ) === size, "refused applications write nothing");
  result = await expectOk(ent.page, "apply", { application_id: "A-PORTAL-1", category: "testing",
    face: "3000" }, "apply");
  // The same id with other content is a conflict: refused, nothing written.
  size = await ledgerSize(url.BJ);
  result = await submit(ent.page, "apply", { application_id: "A-PORTAL-1", face: "2000" });
  assert(result.outcome === "refused:id_conflict", `id reused: ${result.outcome}`);
  assert(await ledgerSize(url.BJ) === size, "a conflicting application writes nothing");
  let pending = await office.BJ.post("query.applications", { state: "pending" });
  assert(pending.applications.some((a) => a.application_id === "A-PORTAL-1" &&
    a.face === 300_000), "the node holds the application");
  say("bad faces refused (3 decimals, over the cap, not a number), id reuse refused; applied ¥3,000.00");

  // A replay: the exact bytes and signature the page sent, sent again, write nothing.
  const replay = await replaySent(ent, url.BJ, "/v1/voucher/apply",
    '"body":{"application_id":"A-PORTAL-1","category":"testing","face":300000}');
  assert(replay.replayed === true && replay.size === size, "a replay is answered, not recorded");
  say("a replayed statement was answered 'replayed' and recorded nothing");

  // The office approves from its queue (the page lists what the node holds).
  await open(officeBJ, url.BJ, "office");
  await officeBJ.check(`input[data-app="A-PORTAL-1"]`);
  await expectOk(officeBJ, "decide", {}, "approve");
  const voucher1 = await voucherOfApplication(office.BJ, "A-PORTAL-1");
  // An unknown voucher typed into a form: the node's reason beside the field, nothing written.
  size = await ledgerSize(url.BJ);
  result = await submit(officeBJ, "payout", { voucher_id: "BJ-V999999", bank_ref: "BANK-1" });
  assert(result.outcome === "refused:not_found", `unknown voucher: ${result.outcome}`);
  assert(await ledgerSize(url.BJ) === size, "a payout of an unknown voucher writes nothing");
  say(`BJ office approved: voucher ${voucher1}; a payout of an unknown voucher was refused`);

  // TJ registers a laboratory whose key was made in its browser; it publishes a service.
  const lab = await person(browser, "laboratory");
  await open(lab.page, url.TJ, "keys");
  await expectOk(lab.page, "key-create", { actor: LAB }, "lab key");
  const labKey = await lab.page.inputValue("#public-key");
  await open(officeTJ, url.TJ, "office");
  await expectOk(officeTJ, "register", { id: LAB, role: "provider", name: "天津检测实验室",
    key: labKey, categories: "testing,rnd" }, "register lab");
  await open(lab.page, url.TJ, "provider");
  await expectOk(lab.page, "service", { service_id: "S-EMC", category: "testing",
    title: "EMC 电磁兼容检测", price: "6000", capacity: "20" }, "publish service");
  const tjDirectory = (await request(`${url.TJ}/v1/directory`)).json;
  assert(tjDirectory.providers.some((p) => p.id === LAB && p.services.some((x) =>
    x.service_id === "S-EMC" && x.price === 600_000 && x.capacity === 20)), "TJ lists the service");
  // Beijing's directory page shows Tianjin's laboratory (the node gathers its peers' directories).
  await until("the TJ laboratory in BJ's directory page", async () => {
    await open(ent.page, url.BJ, "directory");
    return (await ent.page.locator(`[data-provider="${LAB}"]`).count()) === 1;
  }, { timeoutMs: 90_000, everyMs: 3_000 });
  await ent.page.fill("#directory-search", "EMC");
  assert(await ent.page.locator(`[data-provider="${LAB}"]`).isVisible(), "search finds the lab");
  assert(!tjDirectory.providers.some((p) => JSON.stringify(p).includes(ENTERPRISE)),
    "the public directory names no enterprise");
  say("TJ registered the laboratory; its service is in TJ's directory and in BJ's directory page");

  // A receipt from files: the hashes are computed in the page, the files are not sent.
  const files = { contract: "合同 contract 2026", invoice: "发票 invoice 2026", payment: "付款 2026" };
  const hashes = Object.fromEntries(Object.entries(files).map(([k, v]) =>
    [k, crypto.createHash("sha256").update(v).digest("hex")]));
  const fileInput = (name) => ({ name: `${name}.pdf`, mimeType: "application/pdf",
    buffer: Buffer.from(files[name]) });
  result = await expectOk(lab.page, "receipt", { receipt_id: "R-PORTAL-1", enterprise: ENTERPRISE,
    category: "testing", price: "6000", paid: "6000", payment_ref: "PAY-001",
    contract: fileInput("contract"), invoice: fileInput("invoice"), payment: fileInput("payment") },
  "receipt");
  const receipt = (await office.TJ.post("query.entry", { index: result.index })).entry.statement.body;
  assert(receipt.contract_sha256 === hashes.contract && receipt.invoice_sha256 === hashes.invoice &&
    receipt.payment_sha256 === hashes.payment, "the receipt holds the files' SHA-256");
  assert(!lab.watch.traffic.some((t) => t.text.includes(files.contract)), "files not uploaded");
  say("the laboratory recorded a receipt; its file hashes match, the files never left the page");

  // The enterprise turns to the receipt: one from another region is not countersigned there (it
  // is not registered in TJ); the page says so, sends nothing, and its redemption at home is its
  // consent.
  await open(ent.page, url.BJ, "enterprise");
  size = await ledgerSize(url.BJ);
  result = await submit(ent.page, "confirm", { provider: LAB, provider_region: "TJ",
    receipt_id: "R-PORTAL-1" });
  assert(result.outcome === "refused:confirm_abroad", `confirm abroad: ${result.outcome}`);
  assert(await ledgerSize(url.BJ) === size, "nothing sent for a receipt abroad");
  await expectOk(ent.page, "redeem", { voucher_id: voucher1, provider: LAB, provider_region: "TJ",
    receipt_id: "R-PORTAL-1" }, "redeem pay-first");
  await until(`${voucher1} redeemed`, async () =>
    (await office.BJ.post("query.voucher", { voucher_id: voucher1 })).voucher.status === "redeemed");
  say(`${voucher1} redeemed pay-first (checked at BJ)`);

  // A second voucher, the provider way: assigned, then redeemed by the laboratory in TJ.
  await expectOk(ent.page, "apply", { application_id: "A-PORTAL-2", category: "testing",
    face: "2000" }, "apply 2");
  await open(officeBJ, url.BJ, "office");
  await officeBJ.check(`input[data-app="A-PORTAL-2"]`);
  await expectOk(officeBJ, "decide", {}, "approve 2");
  const voucher2 = await voucherOfApplication(office.BJ, "A-PORTAL-2");
  await open(ent.page, url.BJ, "enterprise");
  await expectOk(ent.page, "assign", { voucher_id: voucher2, provider: LAB, provider_region: "TJ",
    price: "4000" }, "assign");
  await open(lab.page, url.TJ, "provider");
  await expectOk(lab.page, "receipt", { receipt_id: "R-PORTAL-2", enterprise: ENTERPRISE,
    category: "testing", price: "4000", paid: "0", payment_ref: "CONTRACT-002",
    contract: fileInput("contract"), invoice: fileInput("invoice"), payment: fileInput("payment") },
  "receipt 2");
  await expectOk(lab.page, "provider-redeem", { voucher_id: voucher2, voucher_region: "BJ",
    receipt_id: "R-PORTAL-2" }, "provider redeem");
  await until(`${voucher2} redeemed`, async () =>
    (await office.BJ.post("query.voucher", { voucher_id: voucher2 })).voucher.status === "redeemed");
  say(`${voucher2} assigned and redeemed by the laboratory (checked at BJ)`);
  // The laboratory follows its request at TJ: the outcome, and TJ's entries of it proved in the page.
  const requestId = await lab.page.inputValue("#redemption [name=request_id]");
  assert(/^TJ-R\d{6,}$/.test(requestId), `the page gave the request id: ${requestId}`);
  const atTJ = await until(`${requestId} answered at TJ`, async () => {
    const { redemption } = await office.TJ.post("query.redemption", { request_id: requestId });
    return redemption.status === "redeemed" && redemption;
  }, { timeoutMs: 30_000 });
  await expectOk(lab.page, "redemption", { request_id: requestId }, "redemption lookup");
  assert(await lab.page.getAttribute("#redemption-view [data-status]", "data-status") === "redeemed",
    "the page shows the redemption redeemed");
  // The answer's entry may wait for the next checkpoint: until then the page says it cannot prove it.
  await until(`TJ's entries ${requestId} and ${atTJ.answered_index} proved in the lab's page`,
    async () => {
      await lab.page.click("#redemption-view button");
      await lab.page.waitForSelector("#redemption-view .proof-result[data-verified]",
        { timeout: 10_000 });
      return await lab.page.getAttribute("#redemption-view .proof-result", "data-verified") === "true";
    }, { timeoutMs: 30_000, everyMs: 1_000 });
  say(`the laboratory's page shows ${requestId} redeemed and proves TJ's two entries of it`);

  // Ratings and a message for the office.
  await open(ent.page, url.BJ, "enterprise");
  await expectOk(ent.page, "rate", { voucher_id: voucher1, rating: "5",
    comment: "报告清楚，速度快" }, "rate");
  const rated = (await office.BJ.post("query.voucher", { voucher_id: voucher1 })).voucher;
  assert(rated.rating === 5 && rated.comment === "报告清楚，速度快", "rating recorded");
  await expectOk(ent.page, "message", { subject: "申报咨询", text: "请问下一批申报何时开始？" },
    "message");
  say("the enterprise rated the service and wrote to the office");
  // The office's assessment draws the rating and the amounts per provider as SVG charts.
  const bjReport = await office.BJ.post("query.report", {});
  const ratedRows = bjReport.assessment.filter((r) => r.ratings > 0);
  const listed = (await request(`${url.BJ}/v1/directory?scope=federation`)).json.regions
    .flatMap((block) => block.providers);
  const nameOf = (r) => r.name || listed.find((p) => p.id === r.provider)?.name || r.provider;
  assert(ratedRows.length > 0, "the rating is in BJ's assessment");
  await open(officeBJ, url.BJ, "office");
  const drawn = await officeBJ.$$eval("#assessment-ratings svg text", (list) =>
    list.map((e) => e.textContent));
  for (const row of ratedRows) {
    assert(drawn.includes(nameOf(row)) && drawn.includes((row.rating_average_x100 / 100)
      .toFixed(2)), `${row.provider}'s average rating drawn: ${drawn}`);
  }
  const paid = new Set(bjReport.assessment.filter((r) => r.amount > 0).map(nameOf));
  const bars = await officeBJ.$$eval("#assessment-amounts svg text", (l) => l.map((e) => e.textContent));
  assert([...paid].every((name) => bars.includes(name)), `amounts by provider drawn: ${bars}`);
  say("the office's assessment charts the providers' ratings and amounts");

  // The auditor: registered read-only, checks the redemption's entry in the page.
  const aud = await person(browser, "auditor");
  await open(aud.page, url.BJ, "keys");
  await expectOk(aud.page, "key-create", { actor: AUDITOR }, "auditor key");
  const audKey = await aud.page.inputValue("#public-key");
  await open(officeBJ, url.BJ, "office");
  await expectOk(officeBJ, "register", { id: AUDITOR, role: "auditor", name: "审计员",
    key: audKey }, "register auditor");
  await auditorChecks(aud, fed, url.BJ, office.BJ, voucher1);

  // The period closes; every office signs the settlement in its page.
  await settle(people, office, url, fed.dir);

  // No private key in any request or response of any page; no page error.
  for (const who of [...Object.values(people), ent, lab, aud]) {
    for (const r of REGIONS) {
      const seed = seedOf(fed.officeKey(r));
      for (const needle of [seed.toString("base64"), seed.toString("hex")]) {
        assert(!who.watch.traffic.some((t) => t.text.includes(needle)),
          `office.${r}'s private key seen in ${who.watch.name}'s traffic`);
      }
    }
    assert(!who.watch.pageErrors.length, `${who.watch.name}: ${who.watch.pageErrors.join("; ")}`);
  }
  say("no private key in any request or response; no page error");

  await sweep({ people: { office: people.BJ, enterprise: ent, provider: lab, auditor: aud },
    urls: { office: url.BJ, enterprise: url.BJ, provider: url.TJ, auditor: url.BJ }, browser, out,
    say });
  await throttledLoads({ browser, url: url.BJ, out, say });
}

// Sends again, byte for byte, the statement the page posted to `route` whose bytes hold `marker`.
async function replaySent(who, url, route, marker) {
  const sent = who.watch.traffic.filter((t) => t.url === url + route && t.text.includes(marker));
  const last = sent.at(-1);
  assert(last, `the page posted ${marker}`);
  const [headerLine, ...rest] = last.text.split("\n");
  const headers = JSON.parse(headerLine);
  const before = await ledgerSize(url);
  const answer = await request(url + route, { method: "POST", body: rest.join("\n"),
    headers: { "content-type": "application/json",
      "innoclear-signature": headers["innoclear-signature"] } });
  return { replayed: answer.json?.replayed, size: await ledgerSize(url), before };
}

async function voucherOfApplication(office, applicationId) {
  const approved = await office.post("query.applications", { state: "approved" });
  const application = approved.applications.find((a) => a.application_id === applicationId);
  assert(application?.voucher_id, `application ${applicationId} approved with a voucher`);
  return application.voucher_id;
}

async function auditorChecks(aud, fed, url, officeClient, voucherId) {
  await open(aud.page, url, "auditor");
  const { execFileSync } = await import("node:child_process");
  const vkeyOf = (region, ...flags) => execFileSync(innoclear,
    ["ledger", "vkey", ...flags, "--data", path.join(fed.dir, region)], { encoding: "utf8" }).trim();
  const vkey = vkeyOf("BJ");
  await expectOk(aud.page, "vkey", { vkey }, "checkpoint signature");
  assert(await aud.page.getAttribute("#signature-result", "data-verified") === "true",
    "checkpoint signature verified in the page");
  // The witnesses' cosignatures of BJ's checkpoints, checked in the page against the cosigner keys
  // each witness's node prints; a plain note key is refused as one.
  const refused = await submit(aud.page, "cosigners", { cosigners: vkey });
  assert(refused.outcome === "refused:bad_vkey", `a note key as cosigner key: ${refused.outcome}`);
  const witnesses = REGIONS.filter((r) => r !== "BJ");
  const cosigners = witnesses.map((r) => vkeyOf(r, "--cosigner")).join("\n");
  await until("every witness's cosignature of BJ's checkpoint verified in the page", async () => {
    await open(aud.page, url, "auditor");
    await expectOk(aud.page, "cosigners", { cosigners }, "cosigner keys");
    const verdicts = await aud.page.$$eval("#witnesses tbody tr", (rows) => rows.map((row) =>
      [...row.querySelectorAll("[data-verified]")].map((e) => e.dataset.verified).join(",")));
    return verdicts.length === witnesses.length && verdicts.every((v) => v === "true,true,true");
  }, { timeoutMs: 90_000, everyMs: 2_000 });
  const served = (await request(`${url}/v1/ledger/cosigned`)).json;
  const shown = await aud.page.$$eval("#witnesses tbody tr", (rows) =>
    rows.map((row) => Number(row.cells[1].textContent)));
  const sizes = served.witnesses.map((w) => w.size);  // read after the page: copies only grow
  assert(shown.length === sizes.length && shown.every((size, i) => size > 0 && size <= sizes[i]),
    `cosigned sizes shown ${shown} are the node's (now ${sizes})`);
  // A node listing one witness's copy twice, under two regions, shows one witness, not two.
  await aud.page.route("**/v1/ledger/cosigned", async (route) => {
    const response = await route.fetch();
    const view = await response.json();
    view.witnesses[1] = { ...view.witnesses[0], region: view.witnesses[1].region };
    await route.fulfill({ response, json: view });
  });
  try {
    await open(aud.page, url, "auditor");
    const doubled = await aud.page.$$eval("#witnesses tbody tr .cosignature [data-verified]",
      (list) => list.map((e) => e.dataset.verified));
    assert(doubled.slice(0, 2).join(",") === "true,false",
      `a cosignature shown twice counts once: ${doubled}`);
  } finally {
    await aud.page.unroute("**/v1/ledger/cosigned");
  }
  say("auditor: each witness's cosignature of BJ's checkpoint and its consistency verified in the page");
  // The voucher's redemption entry: found through the office's view of the voucher's period line.
  const { voucher } = await officeClient.post("query.voucher", { voucher_id: voucherId });
  await until("the voucher's entries in a checkpoint", async () => {
    await open(aud.page, url, "auditor");
    const outcome = await submit(aud.page, "voucher-entries", { voucher_id: voucher.id });
    if (outcome.outcome !== "ok") throw new Error(outcome.outcome);
    const verdicts = await aud.page.$$eval("#entry-view [data-verified]",
      (list) => list.map((e) => e.dataset.verified));
    return verdicts.length > 0 && verdicts.every((v) => v === "true");
  }, { timeoutMs: 20_000, everyMs: 1_000 });
  await open(aud.page, url, "auditor");
  assert(await aud.page.getAttribute("#consistency", "data-verified") === "true",
    "the ledger grew consistently since the auditor's first visit");
  say("auditor: checkpoint signature, consistency and the voucher's inclusion proofs verified in the page");
}

async function settle(people, office, url, fedDir) {
  const period = await until("a settlement proposed", async () => {
    const list = (await office.BJ.post("query.periods", {})).periods;
    return list.find((p) => p.status === "proposed")?.period;
  }, { timeoutMs: 180_000, everyMs: 2_000 });
  await differencesShown(people.BJ.page, url.BJ, office.BJ, period, fedDir);
  for (const r of REGIONS) {
    const page = people[r].page;
    await open(page, url[r], "office");
    await submit(page, "period", { period });
    await page.click("#sign-settlement");
    await until(`office.${r} signed`, async () =>
      (await office[r].post("query.settlement", { period })).settlement.office_signature !== undefined,
    { timeoutMs: 20_000 });
  }
  for (const r of REGIONS) {
    await until(`${r} settled`, async () =>
      (await office[r].post("query.settlement", { period })).settlement.settled !== undefined,
    { timeoutMs: 60_000, everyMs: 1_000 });
  }
  say(`period ${period}: every office signed in its page; settled on all six nodes`);
  // The BJ office downloads its statements from the page: the same files its node wrote.
  const page = people.BJ.page;
  await open(page, url.BJ, "office");
  await submit(page, "period", { period });
  for (const [button, file] of [["#download-csv", "BJ.csv"], ["#download-camt053", "BJ.camt053.xml"]]) {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
    const text = fs.readFileSync(await download.path(), "utf8");
    const written = fs.readFileSync(path.join(fedDir, "statements", period, file), "utf8");
    assert(download.suggestedFilename() === file && text === written,
      `${file} downloaded from the page equals the node's file`);
  }
  say("BJ's CSV and camt.053 statements downloaded in the page equal the files its node wrote");
}

// Honest nodes never differ, so the node's answer is given, in the page only, a differences
// report with TJ made of a real line of the period: once with the node's real inclusion proof in
// a real checkpoint, once with a proof one bit off. The page must draw both lines and verify the
// first and refuse the second itself; with the checkpoint's signature broken, refuse both (the
// office's browser keeps BJ's verifier key, as the auditor page keeps it).
async function differencesShown(page, url, officeClient, period, fedDir) {
  const { lines } = await officeClient.post("query.settlement", { period });
  assert(lines?.length > 0, `period ${period} has lines`);
  const line = lines[0];
  const checkpoint = (await request(`${url}/v1/ledger/checkpoint`)).text;
  const size = Number(checkpoint.split("\n")[1]);
  const proof = (await request(`${url}/v1/ledger/proof/inclusion?index=${line.index}&size=${size}`)).json;
  assert(proof.hashes.length > 0, "a proof with hashes");
  const bent = { ...proof, hashes: [...proof.hashes] };
  const first = Buffer.from(bent.hashes[0], "base64");
  first[0] ^= 1;
  bent.hashes[0] = first.toString("base64");
  const report = { differences: [
    { id: line.id, kind: "amount_mismatch", mine: { line, inclusion: proof },
      theirs: { line: { ...line, amount: line.amount + 100 },
        proof_url: `/v1/ledger/proof/inclusion?index=7&size=9` } },
    { id: `${line.id}-X`, kind: "missing_there", mine: { line, inclusion: bent } }],
  mine_checkpoint: checkpoint, peer: "TJ", their_checkpoint: "", total: 2 };
  const { execFileSync } = await import("node:child_process");
  const vkey = execFileSync(innoclear, ["ledger", "vkey", "--data", path.join(fedDir, "BJ")],
    { encoding: "utf8" }).trim();
  await page.evaluate((key) => localStorage.setItem("innoclear.vkey.BJ", key), vkey);
  // One base64 character inside the signature (not next to the padding: its low bits are unused).
  const at = checkpoint.trimEnd().length - 20;
  const badSignature = checkpoint.slice(0, at) + (checkpoint[at] === "A" ? "B" : "A") +
    checkpoint.slice(at + 1);
  assert(badSignature !== checkpoint, "a checkpoint with a changed signature");
  const verdictsWith = async (mineCheckpoint) => {
    await page.route("**/v1/query/settlement", async (route) => {
      const response = await route.fetch();
      const answer = await response.json();
      answer.differences = { TJ: { ...report, mine_checkpoint: mineCheckpoint } };
      await route.fulfill({ response, json: answer });
    });
    try {
      await open(page, url, "office");
      await submit(page, "period", { period });
      const view = page.locator('.differences[data-peer="TJ"]');
      const kinds = await view.locator("[data-kind]").evaluateAll((l) =>
        l.map((e) => e.dataset.kind));
      assert(JSON.stringify(kinds) === JSON.stringify(["amount_mismatch", "missing_there"]),
        `differences drawn line by line: ${kinds}`);
      const buttons = view.locator("tbody button");
      for (let i = 0; i < 2; i++) await buttons.nth(i).click();
      return await until("both proofs checked in the page", async () => {
        const list = await view.locator(".proof-result").evaluateAll((l) =>
          l.map((e) => e.dataset.verified ?? ""));
        return list.every(Boolean) && list.join(",");
      }, { timeoutMs: 20_000 });
    } finally {
      await page.unroute("**/v1/query/settlement");
    }
  };
  const real = await verdictsWith(checkpoint);
  assert(real === "true,false", `the real proof verifies and the bent one does not: ${real}`);
  const forged = await verdictsWith(badSignature);
  assert(forged === "false,false", `nothing holds in a checkpoint whose signature fails: ${forged}`);
  say("a differences report is drawn line by line; its inclusion proofs are checked in the page");
}

main().then(() => say("all passed"), (error) => {
  console.error(`portal: FAILED: ${error.stack ?? error}`);
  process.exit(1);
});
