/**
 * Hostile input: names that try to leave the home (`../..`), absurdly long names, NUL, mrkdwn,
 * in every place a name enters (the stage argument, `<app>/<stage>`, --app, SST_STATE_APP, the
 * Slack command text). Each must be refused with exit 2 (or a Slack usage answer) and a clear
 * message, before any path is built: nothing is read outside the home, nothing is locked, no
 * server path is shown. And `unlock --holder` cannot borrow someone else's identity.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { parseCommand } from "@sst-state/core/command";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { runInProcess, tempDir } from "../helpers.ts";
import { createTally } from "./tally.ts";

let cwd = "";
let home = "";
const SECRET_FILE_TEXT = "passphrase-canary-5f1e";

beforeAll(async () => {
  cwd = tempDir("sst-state-hostile-names-");
  home = join(cwd, "home");
  await writeLocalHome(home, generateHome({ app: "shop", seed: 9, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 12, deploys: 2 }] }).files);
  // something outside the state folder that a traversal would reach
  mkdirSync(join(cwd, "outside", "app"), { recursive: true });
  writeFileSync(join(cwd, "outside", "app", "prod.json"), SECRET_FILE_TEXT);
  writeFileSync(join(home, "passphrase.json"), SECRET_FILE_TEXT);
});

const env = () => ({ SST_STATE_DIR: home, SST_STATE_HOME: "local", USER: "tester", HOSTNAME: "box" });
const HOSTILE = ["../..", "../../..", "..", "shop/../../outside", "a".repeat(5000), "pro\u0000d", "<!channel>", "pr od", "prod/x/y", "%2e%2e", "sh_op.", "/etc/passwd", "C:\\Windows"];

describe("hostile: traversal and odd names", () => {
  it("refuses every hostile stage, app and --app with exit 2 before touching a path, and never shows server paths", async () => {
    // Prepare
    const tally = createTally("traversal names (CLI)");
    const attempts: string[][] = [];
    for (const n of HOSTILE) {
      attempts.push(["status", n], ["history", `${n}/prod`], ["status", "prod", "--app", n], ["lock", "prod", "--app", n, "--reason", "x"], ["diff", n]);
    }
    // Act
    for (const argv of attempts) {
      const r = await runInProcess([...argv, "--state-dir", home], { env: env(), cwd });
      const all = r.stdout + r.stderr;
      const ok = r.code === 2 && !all.includes(SECRET_FILE_TEXT) && !/ENAMETOOLONG|Cannot read|at .*\.ts:\d+/.test(all) && all.length < 2000;
      tally.record(ok, `${argv.join(" ").slice(0, 60)} → exit ${r.code}: ${all.slice(0, 120)}`);
    }
    const viaEnv = await runInProcess(["status", "prod", "--state-dir", home], { env: { ...env(), SST_STATE_APP: "../.." }, cwd });
    tally.record(viaEnv.code === 2, `SST_STATE_APP=../.. → exit ${viaEnv.code}`);
    const locked = await runInProcess(["locks", "--json"], { env: env(), cwd });
    tally.report();
    // Assess
    expect(tally.lost).toEqual([]);
    expect(locked.stdout).not.toContain("..");
  }, 120_000);

  it("refuses hostile names in Slack command text as a usage mistake (answered in the ack)", () => {
    // Prepare
    const tally = createTally("traversal names (Slack)");
    // Act
    for (const n of HOSTILE) {
      // (with a space in the name, `lock pr od …` is the stage `pr` with a reason: not an attack)
      for (const text of [`status ${n}`, `history ${n}/prod`, ...(/\s/.test(n) ? [] : [`lock ${n} because`]), `status prod --app ${n}`, `locks ${n}`]) {
        const parsed = parseCommand(text, { prefix: "/sst-state" });
        tally.record(!parsed.ok, `${text.slice(0, 50)} was accepted`);
      }
    }
    tally.report();
    // Assess
    expect(tally.lost).toEqual([]);
    expect(parseCommand("status shop/pr-12", { prefix: "/sst-state" }).ok).toBe(true);
  });

  it("accepts the names SST accepts: digits first for a stage, letters first for an app", async () => {
    // Act
    const r = await runInProcess(["status", "shop/prod", "--state-dir", home, "--json"], { env: env(), cwd });
    const parsed = parseCommand("status shop/9pr", { prefix: "/sst-state" });
    const badApp = parseCommand("status 9shop/prod", { prefix: "/sst-state" });
    // Assess
    expect(r.code === 0 || r.code === 1).toBe(true);
    expect(parsed.ok).toBe(true);
    expect(badApp.ok).toBe(false);
  });
});

describe("unlock --holder cannot borrow an identity", () => {
  it("releases alice's lock only with --force and a reason, and records the real identity as the breaker", async () => {
    // Prepare
    const dir = tempDir("sst-state-unlock-holder-");
    const e = env();
    const taken = await runInProcess(["lock", "prod", "--reason", "deploy", "--holder", "alice@ci", "--state-dir", home, "--json"], { env: e, cwd: dir });
    // Act
    const borrowed = await runInProcess(["unlock", "prod", "--holder", "alice@ci", "--state-dir", home, "--json"], { env: e, cwd: dir });
    const still = await runInProcess(["locks", "--json"], { env: e, cwd: dir });
    const forced = await runInProcess(["unlock", "prod", "--holder", "alice@ci", "--force", "--reason", "stuck", "--state-dir", home, "--json"], { env: e, cwd: dir });
    // Assess
    expect(taken.code).toBe(0);
    expect(borrowed.code).toBe(1);
    expect(JSON.parse(borrowed.stdout)).toMatchObject({ released: false });
    expect(still.stdout).toContain("alice@ci");
    expect(forced.code).toBe(0);
    const f = JSON.parse(forced.stdout) as { forced: boolean; by: string };
    expect(f.forced).toBe(true);
    expect(f.by).not.toBe("alice@ci");
  }, 60_000);
});
