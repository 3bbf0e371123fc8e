/**
 * One lock for everything on a git home (packages/cli/locks.ts): `lock`, `unlock`, `locks`,
 * `status`, `restore` and `run --git` all use the lock ref on the remote when no DynamoDB table is
 * configured, and all use the table when SST_STATE_TABLE is set. A laptop (in-process CLI in its
 * own clone) and a CI job (the built CLI in another clone) share one bare repository as remote.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { ensureTable } from "@sst-state/adapters/dynamo-table";
import { gitIn } from "@sst-state/test-kit/git-repo";
import { dynamoCredentials } from "../../../../scripts/services/dynamodb-local.ts";
import { dynamoTableEnv, runInProcess } from "../helpers.ts";
import { createPushedStateRepo, lines, pipeline, remoteGit, remoteState, until, type StateRepo } from "./git-pipelines.ts";

// whole processes that each run `git` a dozen times: bounded, not fast
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

/** the CLI names the machine user and host when no CI identity is set */
const ME = `${userInfo().username}@${hostname()}`;
const GIT_HOME = ["--home", "git", "--state-dir", "infra/state"];
const LOCK_REF = "refs/sst-state/locks/shop/prod";
let repo: StateRepo;

beforeAll(async () => {
  repo = await createPushedStateRepo();
});
afterAll(() => rm(repo.base, { recursive: true, force: true }));

/** the laptop: the CLI in-process, in its own clone */
async function laptop(name = "laptop") {
  const p = await pipeline(repo, name);
  return { ...p, cli: (argv: string[], env: NodeJS.ProcessEnv = {}) => runInProcess([...argv, ...GIT_HOME, "--json"], { env: { ...p.env, ...env }, cwd: p.clone }) };
}

async function sharedDir(name: string): Promise<string> {
  const dir = join(repo.base, name);
  await mkdir(dir);
  return dir;
}

describe("the deploy lock on a git home", () => {
  it("without a table: a lock taken on a laptop blocks `run --git` in CI, and a running `run --git` blocks `lock`, through the lock ref on the remote", async () => {
    // Prepare
    const shared = await sharedDir("shared-laptop-ci");
    const [me, ci] = [await laptop(), await pipeline(repo, "ci")];
    // Act 1: the laptop locks; CI comes
    const locked = await me.cli(["lock", "prod", "--reason", "db migration", "--ttl", "10m"]);
    const blocked = await ci.run(["--holder", "ci-job", "--json"], ["shop", "prod", shared, "blocked"]);
    const listed = await me.cli(["locks"]);
    const status = await me.cli(["status", "prod"]);
    const unlocked = await me.cli(["unlock", "prod"]);
    // Act 2: CI deploys (and waits in its deploy); the laptop tries to lock
    const running = ci.start(["--holder", "ci-job"], ["shop", "prod", shared, "ci-deploy", "wait"]);
    const exited = new Promise<number | null>((r) => running.on("exit", (code) => r(code)));
    await until(() => lines(join(shared, "deploys.log")).includes("ci-deploy"));
    const refused = await me.cli(["lock", "prod", "--reason", "hotfix"]);
    writeFileSync(join(shared, "go"), "");
    const ciCode = await exited;
    const after = await me.cli(["lock", "prod", "--reason", "hotfix"]);
    await me.cli(["unlock", "prod"]);
    // Assess
    expect(locked.code).toBe(0);
    expect(JSON.parse(locked.stdout)).toMatchObject({ acquired: true, lock: { holder: ME, reason: "db migration" } });
    expect(blocked.code).toBe(1);
    expect(JSON.parse(blocked.stdout)).toMatchObject({ acquired: false, lock: { holder: ME, reason: "db migration" } });
    expect(lines(join(shared, "deploys.log"))).not.toContain("blocked");
    expect(JSON.parse(listed.stdout).locks).toEqual([expect.objectContaining({ app: "shop", stage: "prod", holder: ME })]);
    expect(JSON.parse(status.stdout).lease).toMatchObject({ holder: ME, reason: "db migration" });
    expect(JSON.parse(unlocked.stdout)).toMatchObject({ released: true });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ acquired: false, lock: { holder: "ci-job" } });
    expect(ciCode).toBe(0);
    expect(after.code).toBe(0);
    const holders = (await remoteGit(repo, ["log", "--format=%s", LOCK_REF])).split("\n").reverse();
    expect(holders).toEqual([
      `sst-state lock shop/prod: held by ${ME} (token 1)`,
      `sst-state lock shop/prod: released (token 1)`,
      "sst-state lock shop/prod: held by ci-job (token 2)",
      "sst-state lock shop/prod: released (token 2)",
      `sst-state lock shop/prod: held by ${ME} (token 3)`,
      `sst-state lock shop/prod: released (token 3)`,
    ]);
    expect((await remoteState(repo)).resources.map((r) => r.urn.split("::").pop())).toContain("ci-deploy");
  });

  it("with SST_STATE_TABLE: `lock` and `run --git` both use the table, and the lock ref is not touched", async () => {
    // Prepare
    const endpoint = inject("dynamoEndpoint");
    const tableName = `sst-state-git-${randomBytes(4).toString("hex")}`;
    const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: dynamoCredentials });
    await ensureTable(client, tableName);
    client.destroy();
    const table = dynamoTableEnv(tableName, endpoint);
    const shared = await sharedDir("shared-table");
    const [me, ci] = [await laptop(), await pipeline(repo, "ci")];
    const lockRef = () => remoteGit(repo, ["for-each-ref", "--format=%(objectname)", LOCK_REF]);
    const refBefore = await lockRef();
    // Act
    const locked = await me.cli(["lock", "prod", "--reason", "db migration"], table);
    // in-process (runCli): the same code as the binary, with the AWS SDK resolved by node
    const blocked = await ci.runHere(["--holder", "ci-job", "--json"], ["shop", "prod", shared, "blocked"], table);
    const gitLockMeanwhile = await me.cli(["locks"]);
    await me.cli(["unlock", "prod"], table);
    const deployed = await ci.runHere(["--holder", "ci-job", "--json"], ["shop", "prod", shared, "with-table"], table);
    // Assess
    expect(locked.code).toBe(0);
    expect(blocked.code, blocked.stderr).toBe(1);
    expect(JSON.parse(blocked.stdout), blocked.stderr).toMatchObject({ acquired: false, lock: { holder: ME, reason: "db migration" } });
    expect(JSON.parse(gitLockMeanwhile.stdout).locks).toEqual([]);
    expect(deployed.code).toBe(0);
    expect(JSON.parse(deployed.stdout)).toMatchObject({ pushed: true, released: true });
    expect(await lockRef()).toBe(refBefore);
    expect(lines(join(shared, "deploys.log"))).toEqual(["with-table"]);
  });
});

describe("restore on a git home", () => {
  const noApproval = { SST_STATE_CONFIG_JSON: JSON.stringify({ stages: { "*": { requireApproval: false } } }) };

  it("commits the restore under the git lock and pushes it; undo is one more commit; history is never rewritten", async () => {
    // Prepare
    const me = await laptop();
    const git = gitIn(me.clone);
    const history = JSON.parse((await me.cli(["history", "prod"])).stdout).versions as { id: string }[];
    const mainBefore = await remoteGit(repo, ["rev-parse", "main"]);
    // Act: restore ~1, then undo with the selector it prints
    const restored = await me.cli(["restore", "prod", "~1", "--yes"], noApproval);
    const undoSelector = JSON.parse(restored.stdout).request.result.previousSelector as string;
    const undone = await me.cli(["restore", "prod", undoSelector, "--yes"], noApproval);
    // Assess
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout).request.result.published).toMatchObject({ pushed: true });
    expect(undone.code).toBe(0);
    const subjects = (await remoteGit(repo, ["log", "--format=%s", "-2", "main"])).split("\n");
    expect(subjects[1]).toBe(`sst-state: restore prod to ${history[1]!.id} (requested by ${ME}, approved by ${ME})`);
    expect(subjects[0]).toBe(`sst-state: restore prod to ${history[0]!.id} (requested by ${ME}, approved by ${ME})`);
    expect(await remoteGit(repo, ["rev-list", "--count", `${mainBefore}..main`])).toBe("2");
    expect(await git.text(["rev-parse", "HEAD"])).toBe(await remoteGit(repo, ["rev-parse", "main"]));
    expect(await remoteGit(repo, ["show", `main:infra/state/app/prod.json`])).toBe(await remoteGit(repo, ["show", `${mainBefore}:infra/state/app/prod.json`]));
    // both restores held the git lock (the lease's reason names the restore)
    expect(await remoteGit(repo, ["log", "--format=%b", LOCK_REF])).toMatch(/"reason": "restore rr-[^"]+ to [0-9a-f]+"/);
  });

  it("refuses when the remote has a newer state than the checkout, and says what to push when the branch moved otherwise", async () => {
    // Prepare: a stale laptop, and someone who deploys and pushes
    const [me, other] = [await laptop("stale"), await laptop("other")];
    const shared = await sharedDir("shared-restore");
    const deployed = await other.run(["--holder", "ci-job"], ["shop", "prod", shared, "newer"]);
    const headBefore = await gitIn(me.clone).text(["rev-parse", "HEAD"]);
    // Act 1: the stale checkout restores
    const stale = await me.cli(["restore", "prod", "~1", "--yes"], noApproval);
    const headAfterStale = await gitIn(me.clone).text(["rev-parse", "HEAD"]);
    // Act 2: up to date, but an unrelated commit lands on the remote before the restore pushes
    await gitIn(me.clone)(["pull", "-q", "--ff-only", "origin", "main"]);
    await gitIn(other.clone)(["pull", "-q", "--ff-only", "origin", "main"]);
    const git = gitIn(me.clone);
    await gitIn(other.clone)(["commit", "-q", "--allow-empty", "-m", "unrelated change"]);
    await gitIn(other.clone)(["push", "-q", "origin", "main"]);
    const remoteBefore = await remoteGit(repo, ["rev-parse", "main"]);
    const unpushed = await me.cli(["restore", "prod", "~1", "--yes"], noApproval);
    // Assess
    expect(deployed.code).toBe(0);
    expect(stale.code).toBe(1);
    expect(JSON.parse(stale.stdout)).toMatchObject({ restored: false, error: { code: "state-changed" } });
    expect(JSON.parse(stale.stdout).error.message).toContain("origin/main has a newer infra/state/app/prod.json");
    expect(JSON.parse(stale.stdout).error.hint).toContain("pull --ff-only");
    expect(headAfterStale).toBe(headBefore);
    expect(unpushed.code).toBe(0);
    const published = JSON.parse(unpushed.stdout).request.result.published;
    expect(published.pushed).toBe(false);
    expect(published.message).toContain("pull --rebase origin main");
    expect(await git.text(["log", "-1", "--format=%s"])).toMatch(/^sst-state: restore prod to [0-9a-f]+ \(requested by/);
    expect(await remoteGit(repo, ["rev-parse", "main"])).toBe(remoteBefore);
  });
});
