/**
 * The CLI end to end as a child process (the built bundle, as `npx sst-state` runs it) over a
 * generated local home: status, history, diff, their JSON contracts (DESIGN §4) and exit codes.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { runBin, tempDir } from "../helpers.ts";

const NOW = Date.now() - 3_600_000;
let root: string;
let generated: ReturnType<typeof generateHome>;

beforeAll(async () => {
  // Prepare: one app, an interrupted prod (with SST's lock left behind) and a clean dev.
  root = tempDir("sst-state-home-");
  generated = generateHome({
    app: "shop",
    seed: 7,
    now: NOW,
    stages: [
      { name: "prod", resources: 80, deploys: 4, interrupted: true, crashedLock: true },
      { name: "dev", resources: 40, deploys: 3 },
    ],
  });
  await writeLocalHome(root, generated.files);
  // an app deployed with SST ≤ v3.2.47 first: legacy `history/` entries (gzip) under the snapshots
  legacyRoot = tempDir("sst-state-legacy-home-");
  legacy = generateHome({ app: "old", seed: 8, now: NOW, legacyHistory: true, compress: true, stages: [{ name: "prod", resources: 20, deploys: 4 }] });
  await writeLocalHome(legacyRoot, legacy.files);
});
let legacy: ReturnType<typeof generateHome>;
let legacyRoot: string;
const legacyEnv = () => ({ SST_STATE_DIR: legacyRoot, SST_STATE_HOME: "local" });

const env = () => ({ SST_STATE_DIR: root, SST_STATE_HOME: "local" });

describe("sst-state status", () => {
  it("prints the JSON contract and exits 1 when SST's lock is left behind", async () => {
    const r = await runBin(["status", "prod", "--json"], { env: env() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ app: "shop", stage: "prod" });
    expect(s.resources).toBeGreaterThan(40);
    expect(Object.values(s.types as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(s.resources);
    expect(s.pendingOperations.length).toBeGreaterThan(0);
    const prod = generated.stages.find((x) => x.name === "prod")!;
    expect(s.lock).toMatchObject({ updateID: prod.updateIds[0], updateCompleted: false });
    expect(s.lock.ageSeconds).toBeGreaterThan(0);
    expect(s.lastUpdate.id).toBe(prod.updateIds[0]);
    expect(s.lastUpdate.timeCompleted).toBeNull();
  });

  it("exits 0 on a clean stage and renders a readable card without colour when piped", async () => {
    const r = await runBin(["status", "dev"], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("shop/dev");
    expect(r.stdout).toMatch(/SST lock\s+none/);
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it("lists the stages that exist when the stage is unknown, exit 2", async () => {
    const r = await runBin(["status", "prdo"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Stage "prdo"');
    expect(r.stderr).toMatch(/dev, prod|prod, dev/);
  });

  it("with the project's embedded store: shows the deploy lock, and an unknown stage still exits 2 with the store closed", async () => {
    // Prepare: a project whose embedded store exists (made by a first `locks`), a lock held in it
    const project = tempDir("sst-state-status-embedded-");
    expect((await runBin(["lock", "prod", "--reason", "migrating", "--ttl", "10m"], { env: env(), cwd: project })).code).toBe(0);
    // Act: status opens the store while it reads the state; the unknown stage fails first
    const ok = await runBin(["status", "prod", "--json"], { env: env(), cwd: project });
    const unknown = await runBin(["status", "prdo"], { env: env(), cwd: project });
    // Assess
    expect(JSON.parse(ok.stdout).lease).toMatchObject({ reason: "migrating" });
    expect(unknown.code).toBe(2); // not killed by runBin's timeout: the opening store was closed
    expect(unknown.stderr).toContain('Stage "prdo"');
    expect(existsSync(join(project, ".sst-state", "db", "endpoint.json"))).toBe(false);
    expect((await runBin(["locks", "--json"], { env: env(), cwd: project })).code).toBe(0); // the next command owns it
  });

  it("lists the apps that exist when the app is unknown, exit 2", async () => {
    const r = await runBin(["status", "nope/prod"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("shop");
  });
});

describe("sst-state history", () => {
  it("lists SST ≤ v3.2.47's legacy history entries by their cuid2, timed from their names, and diffs them by id", async () => {
    // Act
    const r = await runBin(["history", "old/prod", "--json"], { env: legacyEnv() });
    // Assess
    expect(r.code).toBe(0);
    const h = JSON.parse(r.stdout) as { versions: { id: string; kind: string; time: string; completed: boolean | null }[] };
    expect(h.versions.map((v) => v.kind)).toEqual(["snapshot", "snapshot", "history", "history"]);
    expect(h.versions.map((v) => v.id)).toEqual(legacy.stages[0]!.snapshotIds);
    const digits = legacy.files.filter((f) => f.key.startsWith("history/")).map((f) => /(\d{20})-([0-9a-z]+)\.json$/.exec(f.key)!);
    for (const [, prefix, id] of digits) {
      expect(h.versions.find((v) => v.id === id)).toMatchObject({ kind: "history", completed: true, command: "deploy", time: new Date(Number(9223372036854775807n - BigInt(prefix!)) * 1000).toISOString() });
    }
    const oldest = h.versions[3]!.id;
    const d = await runBin(["diff", "old/prod", oldest, "latest", "--json"], { env: legacyEnv() });
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({ from: oldest, to: h.versions[0]!.id });
    expect(JSON.parse(d.stdout).added.length).toBeGreaterThan(0);
  });

  it("shows the current version at the time `status` says the state was updated", async () => {
    for (const [stage, home] of [["prod", env()], ["dev", env()], ["old/prod", legacyEnv()]] as const) {
      // Act
      const [h, s] = await Promise.all([runBin(["history", stage, "--json"], { env: home }), runBin(["status", stage, "--json"], { env: home })]);
      // Assess
      const current = (JSON.parse(h.stdout) as { versions: { isCurrent: boolean; time: string }[] }).versions.find((v) => v.isCurrent)!;
      expect(JSON.parse(s.stdout).updatedAt, stage).toBe(current.time);
    }
  });

  it("lists one version per deploy, newest first, the interrupted current state on top", async () => {
    const r = await runBin(["history", "prod", "--json"], { env: env() });
    expect(r.code).toBe(0);
    const h = JSON.parse(r.stdout);
    expect(h.versions[0]).toMatchObject({ kind: "current", isCurrent: true });
    const times = h.versions.map((v: { time: string }) => Date.parse(v.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(h.versions.filter((v: { kind: string }) => v.kind !== "current").length).toBe(3);
  });

  it("rejects a bad --limit with exit 2", async () => {
    const r = await runBin(["history", "prod", "--limit", "many"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--limit");
  });
});

describe("sst-state diff", () => {
  it("diffs previous → latest by default and prints the JSON contract", async () => {
    const r = await runBin(["diff", "dev", "--json"], { env: env() });
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    const dev = generated.stages.find((x) => x.name === "dev")!;
    expect(d.from).toBe(dev.updateIds[1]);
    expect(d.to).toBe(dev.updateIds[0]);
    expect(d.added.length + d.removed.length + d.changed.length).toBeGreaterThan(0);
    expect(typeof d.unchanged).toBe("number");
  });

  it("a version diffed with itself is empty", async () => {
    const r = await runBin(["diff", "dev", "~1", "~1", "--json"], { env: env() });
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ added: [], removed: [], changed: [] });
    expect(d.unchanged).toBeGreaterThan(0);
  });

  it("reads selectors as Slack does: `diff dev ~1 LATEST` is `diff dev ~1 latest`", async () => {
    // Act
    const upper = await runBin(["diff", "dev", "~1", "LATEST", "--json"], { env: env() });
    const lower = await runBin(["diff", "dev", "~1", "latest", "--json"], { env: env() });
    // Assess
    expect(upper.code).toBe(0);
    expect(JSON.parse(upper.stdout)).toEqual(JSON.parse(lower.stdout));
  });

  it("an unknown version is exit 2 with the selectors explained", async () => {
    const r = await runBin(["diff", "dev", "~40"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("~40");
  });
});

describe("usage", () => {
  it("unknown command and unknown flag are exit 2 with a hint", async () => {
    const a = await runBin(["stauts", "prod"], { env: env() });
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("status");
    const b = await runBin(["status", "prod", "--colour"], { env: env() });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--colour");
  });

  it("help lists every command", async () => {
    const r = await runBin(["help"]);
    expect(r.code).toBe(0);
    for (const verb of ["status", "history", "diff"]) expect(r.stdout).toContain(verb);
  });
});

describe("secrets", () => {
  it("no ciphertext from the home appears in any output of status, history or diff", async () => {
    // Prepare: every ciphertext in every state file of the home
    const ciphertexts = new Set<string>();
    for (const f of generated.files) {
      if (!f.key.startsWith("app/") && !f.key.startsWith("snapshot/")) continue;
      const text = typeof f.body === "string" ? f.body : new TextDecoder().decode(f.body);
      for (const m of text.matchAll(/"ciphertext":\s*"([^"]+)"/g)) ciphertexts.add(m[1]!);
    }
    expect(ciphertexts.size).toBeGreaterThan(0);
    // Act
    const outputs = await Promise.all([
      runBin(["status", "prod", "--json"], { env: env() }),
      runBin(["status", "prod"], { env: env() }),
      runBin(["diff", "prod", "~3", "latest", "--json"], { env: env() }),
      runBin(["diff", "prod", "~3", "latest"], { env: env() }),
      runBin(["history", "prod", "--json"], { env: env() }),
    ]);
    // Assess
    for (const o of outputs) for (const c of ciphertexts) expect(o.stdout + o.stderr).not.toContain(c.slice(0, 24));
    expect(JSON.parse(outputs[2]!.stdout).changed.length).toBeGreaterThan(0);
  });
});
