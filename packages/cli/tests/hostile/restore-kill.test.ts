/**
 * Hostile: kill -9 in a loop during restores (`sst-state restore prod previous --yes` on a stage
 * that needs no approval), on a local home. After every kill: the current state and every version
 * `history` lists parse (no truncated snapshot listed as a version), and no version that existed
 * before is gone. After the loop, the next completed restore leaves no temp file behind.
 * Bounded (eight kills) so the suite stays quick on two cores.
 */
import { spawn } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { parseCheckpoint } from "@sst-state/core/state";
import { createLocalHomeStore } from "@sst-state/adapters/local-home";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { binPath, runBin, tempDir } from "../helpers.ts";
import { createTally } from "./tally.ts";

let home = "";
beforeAll(async () => {
  home = tempDir("sst-state-hostile-restore-");
  await writeLocalHome(home, generateHome({ app: "shop", seed: 8, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 120, deploys: 3 }] }).files);
});

async function versionsReadable(): Promise<{ ok: boolean; ids: string[]; why: string }> {
  const store = createLocalHomeStore({ root: home });
  try {
    parseCheckpoint((await store.readCurrent("shop", "prod")).bytes);
    const versions = await store.listVersions("shop", "prod");
    for (const v of versions) parseCheckpoint(await store.readVersion("shop", "prod", v));
    return { ok: true, ids: versions.map((v) => v.id), why: "" };
  } catch (e) {
    return { ok: false, ids: [], why: (e as Error).message.slice(0, 120) };
  }
}

function tempFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith(".tmp")) out.push(join(dir, e.name));
    }
  };
  walk(join(home, "state"));
  return out;
}

describe("hostile: kill -9 during restores", () => {
  it("loses no version and lists no truncated one, whenever the restore is killed", async () => {
    // Prepare
    const tally = createTally("kill -9 during restore");
    const env = { PATH: process.env.PATH, SST_STATE_DIR: home, SST_STATE_HOME: "local" };
    let known = (await versionsReadable()).ids;
    // Act
    for (let i = 0; i < 8; i++) {
      const cwd = tempDir("sst-state-restore-kill-");
      writeFileSync(join(cwd, "sst-state.json"), JSON.stringify({ app: "shop", stages: { "*": { requireApproval: false } } }));
      const child = spawn(process.execPath, [binPath, "restore", "prod", "previous", "--yes"], { cwd, env: { ...env, HOME: cwd }, stdio: "ignore" });
      await new Promise((r) => setTimeout(r, 300 + ((i * 397) % 2500)));
      // the restore may have finished before the kill: wait for an exit only while it runs
      const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once("exit", r)));
      child.kill("SIGKILL");
      await exited;
      // as an operator would after a crash (`sst unlock`): SST's lock of the killed restore goes
      rmSync(join(home, "state", "lock", "shop", "prod.json"), { force: true });
      const now = await versionsReadable();
      const lostIds = known.filter((id) => !now.ids.includes(id));
      tally.record(now.ok && lostIds.length === 0, `kill ${i}: ${now.ok ? `lost ${lostIds.join(", ")}` : now.why}`);
      if (now.ok) known = now.ids;
    }
    const cwd = tempDir("sst-state-restore-after-");
    writeFileSync(join(cwd, "sst-state.json"), JSON.stringify({ app: "shop", stages: { "*": { requireApproval: false } } }));
    const last = await runBin(["restore", "prod", "previous", "--yes"], { cwd, env: { SST_STATE_DIR: home, SST_STATE_HOME: "local" }, timeoutMs: 60_000 });
    tally.report();
    // Assess
    expect(tally.lost).toEqual([]);
    expect(last.code).toBe(0);
    expect(tempFiles()).toEqual([]);
  }, 600_000);
});
