// Runs the six-region federation (`innoclear up`) for a test: on free ports the test picks, in a
// fresh directory, stopped (SIGINT, then SIGKILL) when the test ends, whatever happens.

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const REGIONS = ["BJ", "TJ", "HE", "NM", "GZ", "CD"];

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

// A base port P such that P+1 … P+6 are free now.
async function freeBase() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 40000);
    let free = true;
    for (let i = 1; i <= REGIONS.length && free; i++) free = await portFree(base + i);
    if (free) return base;
  }
  throw new Error("no free ports");
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFederation({ innoclear, periodSeconds = 30, log = () => {} }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "innoclear-portal-"));
  const base = await freeBase();
  const child = spawn(innoclear, ["up", "--dir", path.join(dir, "federation"), "--base-port",
    String(base), "--period-seconds", String(periodSeconds)], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => { output += chunk; });
  child.stderr.on("data", (chunk) => { output += chunk; });
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill("SIGINT");
    for (let i = 0; i < 100 && child.exitCode === null; i++) await sleep(100);
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  process.on("exit", () => child.exitCode === null && child.kill("SIGKILL"));
  const urls = Object.fromEntries(REGIONS.map((r, i) => [r, `https://127.0.0.1:${base + 1 + i}`]));
  const fedDir = path.join(dir, "federation");
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`innoclear up exited: ${output}`);
    if (output.includes("Ctrl-C")) break;
    await sleep(100);
  }
  log(output.trim());
  return {
    dir: fedDir, urls, output: () => output, stop,
    officeKey: (region) => fs.readFileSync(path.join(fedDir, region, "office.key"), "utf8"),
    officeKeyPath: (region) => path.join(fedDir, region, "office.key"),
  };
}
