/**
 * The CLI's lock verbs (packages/cli/commands/{lock,unlock,locks,run}.ts) in-process over a
 * generated local home and the embedded store in a temp working directory. (Lives here with the
 * other lock tests; it can move to packages/cli/tests once the verbs are registered.)
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { UsageError } from "@sst-state/core/errors";
import type { Verb } from "@sst-state/core/command";
import { writeLocalHome } from "../../home-writer.ts";
import type { CliCommand, CliIO } from "../../../cli/cli-types.ts";
import { parseCommandArgs } from "../../../cli/main.ts";
import { createServices } from "../../../cli/services.ts";
import { createDynamoLockStore } from "../../dynamodb-lock-store.ts";
import { startEmbeddedDynamo } from "../../embedded-dynamo.ts";
import lock from "../../../cli/commands/lock.ts";
import unlock from "../../../cli/commands/unlock.ts";
import locks from "../../../cli/commands/locks.ts";
import runCmd from "../../../cli/commands/run.ts";

let root: string;
/** The CLI names the machine user and host (not $USER) when no CI identity is set. */
const ME = `${userInfo().username}@${hostname()}`;
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

beforeAll(async () => {
  root = tmp("sst-state-lock-home-");
  const home = generateHome({ app: "shop", seed: 3, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 20, deploys: 2 }, { name: "dev", resources: 12, deploys: 2 }] });
  await writeLocalHome(root, home.files);
});

async function cli<V extends Verb>(cmd: CliCommand<V>, argv: string[], cwd: string, extraEnv: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => void out.push(t), err: (t) => void err.push(t), isTTY: false, color: false };
  const env = { SST_STATE_DIR: root, SST_STATE_HOME: "local", USER: "tester", HOSTNAME: "box", ...extraEnv };
  const args = parseCommandArgs(cmd, argv);
  const services = createServices({ env, cwd });
  try {
    const code = await cmd.run(args, { io, env, cwd, services });
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    await services.close();
  }
}

describe("sst-state lock / locks / unlock", () => {
  it("locks a stage, refuses a second holder with exit 1 and the holder in JSON, lists it, and releases only with --force for others", async () => {
    // Prepare
    const cwd = tmp("sst-state-lock-cwd-");
    // Act
    const first = await cli(lock, ["prod", "--reason", "db migration", "--ttl", "2h", "--holder", "U0ALICE", "--json"], cwd);
    const second = await cli(lock, ["prod", "--reason", "hotfix", "--json"], cwd);
    const listed = await cli(locks, ["--json"], cwd);
    const notMine = await cli(unlock, ["prod"], cwd);
    const forced = await cli(unlock, ["prod", "--force", "--reason", "migration finished", "--json"], cwd);
    const again = await cli(lock, ["prod", "--reason", "hotfix", "--json"], cwd);
    // Assess
    expect(first.code).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a).toMatchObject({ acquired: true, lock: { app: "shop", stage: "prod", holder: "U0ALICE", reason: "db migration", token: 1 } });
    expect(Date.parse(a.lock.expiresAt) - Date.parse(a.lock.acquiredAt)).toBe(2 * 3_600_000);
    expect(second.code).toBe(1);
    expect(JSON.parse(second.stdout)).toMatchObject({ acquired: false, lock: { holder: "U0ALICE", token: 1 } });
    expect(JSON.parse(second.stdout).message).toMatch(/^prod is locked by U0ALICE since \d\d:\d\d \(\d+ s ago\) for 'db migration', expires in 2 h$/);
    expect(JSON.parse(listed.stdout).locks).toEqual([a.lock]);
    expect(notMine.code).toBe(1);
    expect(notMine.stdout).toContain(`it is not yours (you are ${ME})`);
    expect(JSON.parse(forced.stdout)).toMatchObject({ released: true, forced: true, by: ME, reason: "migration finished" });
    expect(JSON.parse(again.stdout)).toMatchObject({ acquired: true, lock: { holder: ME, token: 2 } });
  });

  it("lets the holder unlock its own lock, and says so when nothing is locked", async () => {
    // Prepare
    const cwd = tmp("sst-state-lock-cwd-");
    await cli(lock, ["dev", "--reason", "try"], cwd);
    // Act
    const mine = await cli(unlock, ["dev", "--json"], cwd);
    const none = await cli(unlock, ["dev", "--json"], cwd);
    // Assess
    expect(mine.code).toBe(0);
    expect(JSON.parse(mine.stdout)).toMatchObject({ released: true, lock: { holder: ME } });
    expect(none.code).toBe(0);
    expect(JSON.parse(none.stdout)).toMatchObject({ released: false, lock: null });
  });

  it("rejects a lock without --reason and a forced unlock without --reason as usage errors", async () => {
    // Prepare
    const cwd = tmp("sst-state-lock-cwd-");
    // Act
    const noReason = cli(lock, ["prod"], cwd);
    const noForceReason = cli(unlock, ["prod", "--force"], cwd);
    // Assess
    await expect(noReason).rejects.toBeInstanceOf(UsageError);
    await expect(noForceReason).rejects.toBeInstanceOf(UsageError);
  });

  it("records the CI identity and run link as the holder in GitHub Actions", async () => {
    // Prepare
    const cwd = tmp("sst-state-lock-cwd-");
    // Act
    const r = await cli(lock, ["prod", "--reason", "deploy", "--json"], cwd, { GITHUB_ACTIONS: "true", GITHUB_ACTOR: "octocat", GITHUB_RUN_ID: "77", GITHUB_REPOSITORY: "acme/shop", GITHUB_SERVER_URL: "https://github.com" });
    // Assess
    expect(JSON.parse(r.stdout).lock).toMatchObject({ holder: "octocat (GitHub Actions run 77)", runUrl: "https://github.com/acme/shop/actions/runs/77" });
  });
});

describe("sst-state run", () => {
  it("runs the command under the lock, exits with its code, releases with the outcome and reports the state diff", async () => {
    // Prepare: the command removes one resource from dev's current state and exits 3.
    const cwd = tmp("sst-state-run-cwd-");
    const file = join(root, "state/app/shop/dev.json");
    const script = `const fs=require("fs");const j=JSON.parse(fs.readFileSync(${JSON.stringify(file)},"utf8"));const r=j.checkpoint.latest.resources.pop();fs.writeFileSync(${JSON.stringify(file)},JSON.stringify(j));console.log(r.urn);process.exit(3)`;
    const removedUrn = (JSON.parse(readFileSync(file, "utf8")).checkpoint.latest.resources as { urn: string }[]).at(-1)!.urn;
    // Act
    const r = await cli(runCmd, ["dev", "--reason", "release", "--json", "--", process.execPath, "-e", script], cwd);
    // Assess
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ acquired: true, exitCode: 3, outcome: "failed (exit 3)", released: true, lock: { stage: "dev", reason: "release", token: 1 } });
    expect(report.diff.removed).toEqual([removedUrn]);
    expect(report.diffSummary).toContain("−1 removed");
    const db = await startEmbeddedDynamo({ cwd });
    const record = await createDynamoLockStore(db).inspect("shop", "dev");
    await db.close();
    expect(record).toMatchObject({ released: true, outcome: "failed (exit 3)", token: 1 });
  });

  it("does not run the command when someone else holds the lock, and exits 1", async () => {
    // Prepare
    const cwd = tmp("sst-state-run-cwd-");
    const marker = join(cwd, "ran");
    await cli(lock, ["prod", "--reason", "frozen", "--holder", "U0BOB"], cwd);
    // Act
    const r = await cli(runCmd, ["prod", "--json", "--", process.execPath, "-e", `require("fs").writeFileSync(${JSON.stringify(marker)},"x")`], cwd);
    // Assess
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ acquired: false, lock: { holder: "U0BOB" } });
    expect(() => readFileSync(marker)).toThrow();
  });

  it("exits 127 and still releases the lock when the command cannot be started", async () => {
    // Prepare
    const cwd = tmp("sst-state-run-cwd-");
    // Act
    const r = await cli(runCmd, ["dev", "--json", "--", "/nonexistent/sst-state-no-such-command"], cwd);
    const after = await cli(locks, ["--json"], cwd);
    // Assess
    expect(r.code).toBe(127);
    expect(JSON.parse(r.stdout)).toMatchObject({ released: true, outcome: expect.stringContaining("failed to start") });
    expect(JSON.parse(after.stdout).locks).toEqual([]);
  });
});
