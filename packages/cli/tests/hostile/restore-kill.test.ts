/**
 * Hostile: kill -9 in a loop during restores (`sst-state restore prod previous --yes` on a stage
 * that needs no approval), on a local home. After every kill: the current state and every version
 * `history` lists parse (no truncated snapshot listed as a version), and no version that existed
 * before is gone. The restore journal: the next start of the CLI finishes or closes what a kill
 * interrupted, with nobody running `sst unlock` — every request ends `done` or `failed` with its
 * audit entry, none stays `approved`, SST's lock is gone, every restore's update record is
 * complete, and a restore rolled forward has its snapshot. After the loop, the next completed
 * restore leaves no temp file behind. Bounded (eight kills) so the suite stays quick on two cores.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
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
    // one project (one embedded store) for every run: the journal lives there
    const cwd = tempDir("sst-state-restore-kill-");
    writeFileSync(join(cwd, "sst-state.json"), JSON.stringify({ app: "shop", stages: { "*": { requireApproval: false } } }));
    const cliEnv = { SST_STATE_DIR: home, SST_STATE_HOME: "local" };
    const store = createLocalHomeStore({ root: home });
    const sstLock = join(home, "state", "lock", "shop", "prod.json");
    type Entry = { action: string; requestId?: string; data?: { interrupted?: boolean; updateId?: string } };
    const auditEntries = async (): Promise<Entry[]> => {
      const a = await runBin(["audit", "prod", "--limit", "500", "--json"], { cwd, env: cliEnv, timeoutMs: 60_000 });
      return (JSON.parse(a.stdout) as { entries: Entry[] }).entries;
    };
    /** after the next start of the CLI: no request left `approved`, no lock of a dead restore */
    const journalHeld = async (i: number) => {
      const entries = await auditEntries(); // `audit` is a start of the CLI: it recovers first
      const approved = [...new Set(entries.filter((e) => e.action === "restore.approved").map((e) => e.requestId!))];
      const open = approved.filter((id) => entries.filter((e) => e.requestId === id && (e.action === "restore.done" || e.action === "restore.failed")).length !== 1);
      const versionIds = (await store.listVersions("shop", "prod")).map((v) => v.updateId ?? v.id);
      const noSnapshot = entries.filter((e) => e.action === "restore.done" && e.data?.interrupted && !versionIds.includes(e.data.updateId!)).map((e) => e.requestId);
      const lockLeft = (await store.readSstLock("shop", "prod")) !== null;
      const unfinished = (await store.listUpdates("shop", "prod", 100)).filter((r) => r.command === "sst-state restore" && !r.timeCompleted).map((r) => r.id);
      tally.record(!open.length && !noSnapshot.length && !lockLeft && !unfinished.length, `journal after kill ${i}: open ${open.join(",")} no snapshot ${noSnapshot.join(",")} SST lock ${lockLeft} records ${unfinished.join(",")}`);
      return entries;
    };
    // Kill at spread-out points of the write sequence until enough restores died mid-way (a fast
    // machine finishes a restore within a few milliseconds of SST's lock appearing): at least 8
    // tries, at most 24, and at least 6 that were killed while running.
    let killedRunning = 0;
    let i = 0;
    for (; i < 24 && (i < 8 || killedRunning < 6); i++) {
      const child = spawn(process.execPath, [binPath, "restore", "prod", "previous", "--yes"], { cwd, env: { ...env, HOME: cwd }, stdio: "ignore" });
      // The write sequence starts with SST's lock (after the lease and the journal; the previous
      // run's is gone, the recovery below removed it): kill at different points of it.
      for (let waited = 0; !existsSync(sstLock) && child.exitCode === null && waited < 60_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, (i % 8) * 3));
      // the restore may have finished before the kill: wait for an exit only while it runs
      const running = child.exitCode === null && child.signalCode === null;
      const exited = new Promise((r) => (running ? child.once("exit", r) : r(undefined)));
      child.kill("SIGKILL");
      await exited;
      if (running && child.signalCode === "SIGKILL") killedRunning++;
      // "current" names the current file while it is no snapshot: not a stored version of its own
      const lost = (ids: string[]) => known.filter((id) => id !== "current" && !ids.includes(id));
      const now = await versionsReadable();
      tally.record(now.ok && lost(now.ids).length === 0, `kill ${i}: ${now.ok ? `lost ${lost(now.ids).join(", ")}` : now.why}`);
      if (now.ok) known = now.ids;
      await journalHeld(i);
      const recovered = await versionsReadable();
      tally.record(recovered.ok && lost(recovered.ids).length === 0, `recovery after kill ${i}: ${recovered.ok ? `lost ${lost(recovered.ids).join(", ")}` : recovered.why}`);
      if (recovered.ok) known = recovered.ids;
    }
    const last = await runBin(["restore", "prod", "previous", "--yes"], { cwd, env: cliEnv, timeoutMs: 60_000 });
    const entries = await journalHeld(i);
    const interrupted = entries.filter((e) => e.data?.interrupted);
    tally.report();
    // Assess
    expect(tally.lost).toEqual([]);
    expect(last.code, last.stderr).toBe(0);
    expect(interrupted.length).toBeGreaterThan(3);
    expect(tempFiles()).toEqual([]);
  }, 600_000);
});
