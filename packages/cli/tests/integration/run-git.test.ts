/**
 * `sst-state run --git` as CI runs it: the built CLI as a process, a bare repository on disk as
 * the remote, each pipeline its own clone. The wrapped command (fixtures/fake-deploy.mjs) adds a
 * resource to the state in the SST home it is given and records any overlap with another deploy.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createGitLockStore } from "@sst-state/adapters/git-lock-store";
import { gitIn } from "@sst-state/test-kit/git-repo";
import { createPushedStateRepo, lines, pipeline as pipelineOf, remoteGit, remoteState as remoteStateOf, until, type StateRepo } from "./git-pipelines.ts";

// whole processes that each run `git` a few dozen times: bounded, not fast
vi.setConfig({ testTimeout: 1_800_000, hookTimeout: 120_000 });

/**
 * Rounds of the race: each pipeline runs `run --git` this many times in a row, both pipelines at
 * once (as two CI jobs on every push would), so 2 × ROUNDS deploys contend for one stage. The
 * runs are started in this process (runCli: the same code as the binary, without starting node
 * and loading the bundle a hundred times; the other tests here run the binary); each is about
 * fifteen `git` processes (seven of them while it holds the lock) and the deploy, a process; a
 * waiting run retries within a fraction of a second of the release (run-git.ts pollDelayMs).
 * SST_STATE_TEST_GIT_RACE_ROUNDS changes the count.
 */
const ROUNDS = Number(process.env.SST_STATE_TEST_GIT_RACE_ROUNDS ?? 50);
let repo: StateRepo;

beforeAll(async () => {
  repo = await createPushedStateRepo();
});
afterAll(() => rm(repo.base, { recursive: true, force: true }));

const pipeline = (name: string) => pipelineOf(repo, name);
const remoteState = (ref?: string) => remoteStateOf(repo, ref);

describe("run --git", () => {
  it(`two pipelines over ${ROUNDS} rounds each (${2 * ROUNDS} deploys): one deploy at a time, every deploy's state committed and pushed, none lost`, async () => {
    // Prepare
    const shared = join(repo.base, "shared-race");
    await mkdir(shared);
    const [a, b] = [await pipeline("a"), await pipeline("b")];
    const before = (await remoteState()).resources.length;
    const commitsBefore = Number(await gitIn(repo.base).text(["--git-dir", repo.remote, "rev-list", "--count", "main"]));
    const started = Date.now();
    // Act: both pipelines at once, each deploying ROUNDS times in a row
    const loop = async (p: typeof a, name: "a" | "b") => {
      const out: { label: string; code: number | null; stderr: string }[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const r = await p.runHere(["--wait", "5m", "--ttl", "2m", "--holder", `pipeline-${name}`], ["shop", "prod", shared, `${name}${i}`]);
        out.push({ label: `${name}${i}`, code: r.code, stderr: r.stderr });
      }
      return out;
    };
    const results = (await Promise.all([loop(a, "a"), loop(b, "b")])).flat();
    const seconds = Math.round((Date.now() - started) / 1000);
    // Assess
    const deployed = lines(join(shared, "deploys.log"));
    const overlaps = lines(join(shared, "overlaps.log"));
    const after = await remoteState();
    const labels = new Set(after.resources.map((r) => r.urn.split("::").pop()));
    const subjects = (await gitIn(repo.base).text(["--git-dir", repo.remote, "log", "--format=%s", `-${2 * ROUNDS}`, "main"])).split("\n");
    const lost = results.filter((r) => !labels.has(r.label)).map((r) => r.label);
    const recovery = await gitIn(repo.base).text(["--git-dir", repo.remote, "for-each-ref", "--format=%(refname)", "refs/sst-state/recovery/"]);
    console.info(`run --git race: ${ROUNDS} rounds × 2 pipelines, ${deployed.length} deploys, ${overlaps.length} overlaps, ${lost.length} lost state commits, ${seconds} s`);
    expect(results.filter((r) => r.code !== 0).map((r) => `${r.label}: ${r.stderr}`)).toEqual([]);
    expect(overlaps).toEqual([]);
    expect(deployed).toHaveLength(2 * ROUNDS);
    expect(lost).toEqual([]);
    expect(recovery).toBe("");
    expect(new Set(lines(join(shared, "passphrase.log")))).toEqual(new Set(["true"]));
    expect(after.resources).toHaveLength(before + 2 * ROUNDS);
    expect(subjects.every((x) => /^sst-state: prod after .*: success \(lock token \d+\)$/.test(x))).toBe(true);
    expect(Number(await gitIn(repo.base).text(["--git-dir", repo.remote, "rev-list", "--count", "main"]))).toBe(commitsBefore + 2 * ROUNDS);
    const lock = await createGitLockStore({ git: gitIn(a.clone) }).inspect!("shop", "prod");
    expect(lock).toMatchObject({ released: true, token: 2 * ROUNDS, outcome: "success" });
  });

  it("a run killed with kill -9: the lease expires, the recovery ref holds its state, and the next run refuses to deploy over it", async () => {
    // Prepare
    const shared = join(repo.base, "shared-kill");
    await mkdir(shared);
    const [a, b] = [await pipeline("a"), await pipeline("b")];
    const mainBefore = await remoteState();
    const child = a.start(["--ttl", "3s", "--holder", "killed-job"], ["shop", "prod", shared, "killed", "hang"]);
    let recovery = "";
    await until(async () => !!(recovery = await remoteGit(repo, ["for-each-ref", "--format=%(refname)", "refs/sst-state/recovery/"])));
    // Act: kill the runner and its deploy, then the next pipeline comes
    process.kill(-child.pid!, "SIGKILL");
    const next = await b.run(["--wait", "2m", "--holder", "next-job", "--json"], ["shop", "prod", shared, "next"]);
    // the lock ref's history, newest first: each commit's body is the lease it set
    const leases = (await remoteGit(repo, ["log", "--format=%b%x00", "refs/sst-state/locks/shop/prod"]))
      .split("\0")
      .map((b) => b.trim())
      .filter(Boolean)
      .map((b) => JSON.parse(b) as { holder: string; token: number; released?: boolean; expiresAt: string; acquiredAt: string });
    // Assess
    expect(recovery).toMatch(/^refs\/sst-state\/recovery\/shop\/prod\/\d+$/);
    const saved = await remoteState(recovery);
    expect(saved.resources.map((r) => r.urn.split("::").pop())).toContain("killed");
    expect(next.code).toBe(1);
    expect(JSON.parse(next.stdout)).toMatchObject({ acquired: true, ran: false, recovery: [recovery] });
    expect(next.stderr).toContain(`git push origin :${recovery}`);
    expect(lines(join(shared, "deploys.log"))).toEqual(["killed"]);
    expect(await remoteState()).toEqual(mainBefore);
    const lock = await createGitLockStore({ git: gitIn(b.clone) }).inspect!("shop", "prod");
    expect(lock).toMatchObject({ holder: "next-job", released: true });
    // the killed run's lease was never released: the next job took it over once it had expired
    const killed = leases.filter((l) => l.holder === "killed-job");
    const taken = leases.find((l) => l.holder === "next-job" && !l.released)!;
    expect(killed.length).toBeGreaterThan(0);
    expect(killed.every((l) => !l.released)).toBe(true);
    expect(taken.token).toBe(killed[0]!.token + 1);
    expect(Date.parse(taken.acquiredAt)).toBeGreaterThanOrEqual(Date.parse(killed[0]!.expiresAt));
    // the state is adopted and the ref removed: deploys go on
    await gitIn(b.clone)(["fetch", "-q", "origin", recovery]);
    await gitIn(b.clone)(["merge", "-q", "--ff-only", "FETCH_HEAD"]);
    await gitIn(b.clone)(["push", "-q", "origin", "main", `:${recovery}`]);
    const after = await b.run(["--holder", "next-job"], ["shop", "prod", shared, "after-adopt"]);
    expect(after.code).toBe(0);
    expect((await remoteState()).resources.map((r) => r.urn.split("::").pop())).toEqual(expect.arrayContaining(["killed", "after-adopt"]));
  });

  it("when someone pushed the state behind the lock's back, the new state goes to a recovery ref and the run exits non-zero", async () => {
    // Prepare
    const shared = join(repo.base, "shared-moved");
    await mkdir(shared);
    const [a, other] = [await pipeline("a"), await pipeline("other")];
    // Act
    const r = await a.run(["--holder", "pipeline-a", "--json"], ["shop", "prod", shared, "mine", "push-state", other.clone]);
    // Assess
    const out = JSON.parse(r.stdout);
    expect(r.code).toBe(1);
    expect(out).toMatchObject({ outcome: "success", pushed: false, recovery: `refs/sst-state/recovery/shop/prod/${out.lock.token}` });
    expect(r.stderr).toContain("NOT pushed");
    const saved = await remoteState(out.recovery);
    expect(saved.resources.map((x) => x.urn.split("::").pop())).toContain("mine");
    expect(await gitIn(repo.base).text(["--git-dir", repo.remote, "log", "-1", "--format=%s", "main"])).toBe("someone deployed without the lock");
    expect(await createGitLockStore({ git: gitIn(a.clone) }).get("shop", "prod", Date.now())).toBeNull();
    await gitIn(a.clone)(["push", "-q", "origin", `:${out.recovery}`]); // leave the remote clean for the next test
  });

  it("rebases onto unrelated commits pushed meanwhile, and never copies back a passphrase the repository does not keep", async () => {
    // Prepare: stop tracking the passphrase
    const shared = join(repo.base, "shared-rebase");
    await mkdir(shared);
    const [a, other] = [await pipeline("a"), await pipeline("other")];
    await gitIn(other.clone)(["rm", "-q", "infra/state/passphrase/prod.json"]);
    await gitIn(other.clone)(["commit", "-q", "-m", "passphrase comes from SST_PASSPHRASE now"]);
    await gitIn(other.clone)(["push", "-q", "origin", "main"]);
    await gitIn(a.clone)(["pull", "-q", "origin", "main"]);
    // Act: an unrelated commit lands on main while the deploy runs
    const r = await a.run(["--holder", "pipeline-a"], ["shop", "prod", shared, "rebased", "push-unrelated", other.clone]);
    // Assess
    expect(r.code).toBe(0);
    expect(lines(join(shared, "passphrase.log"))).toEqual(["false"]);
    const log = await gitIn(repo.base).text(["--git-dir", repo.remote, "log", "-2", "--format=%s", "main"]);
    expect(log.split("\n")[1]).toBe("unrelated change");
    expect(log.split("\n")[0]).toMatch(/^sst-state: prod after/);
    expect(await gitIn(repo.base).text(["--git-dir", repo.remote, "ls-tree", "-r", "--name-only", "main", "infra/state"])).toBe("infra/state/app/prod.json");
  });
});
