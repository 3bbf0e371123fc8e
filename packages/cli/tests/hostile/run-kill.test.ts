/**
 * Hostile: `sst-state run` killed with SIGKILL while its command runs (a CI runner that dies, an
 * OOM kill). The command must not outlive it: it runs in its own process group under a watchdog
 * that stops it when `run`'s pipe closes, so the next holder (once the lease expires) never
 * finds the previous deploy still running. Bounded loop; each try checks that the command stopped.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { binPath, tempDir } from "../helpers.ts";
import { createTally } from "./tally.ts";

let home = "";
beforeAll(async () => {
  home = tempDir("sst-state-hostile-run-");
  await writeLocalHome(home, generateHome({ app: "shop", seed: 4, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 8, deploys: 1 }] }).files);
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(probe: () => boolean, maxMs: number): Promise<boolean> {
  for (let waited = 0; waited < maxMs; waited += 100) {
    if (probe()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return probe();
}

describe("hostile: kill -9 of `run`", () => {
  it("the wrapped command stops whenever `run` is killed with SIGKILL", async () => {
    // Prepare
    const tally = createTally("kill -9 during run");
    const tries = 6;
    // Act
    for (let i = 0; i < tries; i++) {
      const cwd = tempDir("sst-state-run-kill-");
      const pidFile = join(cwd, "command.pid");
      // the "deploy": writes its pid, then runs for a minute
      const deploy = `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000); setTimeout(() => process.exit(0), 60000);`;
      const run = spawn(process.execPath, [binPath, "run", "prod", "--ttl", "1h", "--", process.execPath, "-e", deploy], {
        cwd,
        env: { PATH: process.env.PATH, HOME: cwd, SST_STATE_DIR: home, SST_STATE_HOME: "local", SST_STATE_RUN_GRACE_MS: "2000" },
        stdio: "ignore",
      });
      const started = await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").length > 0, 30_000);
      const commandPid = started ? Number(readFileSync(pidFile, "utf8")) : 0;
      run.kill("SIGKILL");
      await new Promise((r) => run.once("exit", r));
      const stopped = started && (await until(() => !alive(commandPid), 15_000));
      if (!stopped && commandPid) process.kill(commandPid, "SIGKILL");
      tally.record(stopped, `try ${i}: ${started ? `command ${commandPid} still running after run was killed` : "the command never started"}`);
    }
    tally.report();
    // Assess
    expect(tally.lost).toEqual([]);
    expect(tally.tries).toBe(tries);
  }, 240_000);

  it("a command that ends by itself still gives `run` its exit code", async () => {
    // Prepare
    const cwd = tempDir("sst-state-run-code-");
    // Act
    const code = await new Promise<number | null>((resolve) => {
      const run = spawn(process.execPath, [binPath, "run", "prod", "--", process.execPath, "-e", "process.exit(7)"], {
        cwd,
        env: { PATH: process.env.PATH, HOME: cwd, SST_STATE_DIR: home, SST_STATE_HOME: "local" },
        stdio: "ignore",
      });
      run.once("exit", (c) => resolve(c));
    });
    // Assess
    expect(code).toBe(7);
  }, 60_000);
});
