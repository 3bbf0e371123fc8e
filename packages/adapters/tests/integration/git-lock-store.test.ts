/**
 * The LockStore contract on a git remote (a bare repository on disk), plus what only this store
 * does: two clones racing for the same lease, and pushing the state in the same atomic push as
 * the lease (refused once the lease is no longer ours, or when the branch moved).
 */
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { createGitLockStore } from "../../git-lock-store.ts";
import { cloneOf, createRemoteAndClone, gitIn } from "@sst-state/test-kit/git-repo";
import { lockStoreContract } from "../contract/lock-store.contract.ts";

// every step runs the real `git` binary (several processes per lock operation): bounded, not fast
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const MIN = 60_000;
const req = (holder: string) => ({ app: "shop", stage: "prod", holder, reason: `deploy by ${holder}`, ttlMs: 10 * MIN });

lockStoreContract("git remote", async () => {
  const { base, clone } = await createRemoteAndClone("sst-state-gitlock-");
  return { store: createGitLockStore({ git: gitIn(clone) }), close: () => rm(base, { recursive: true, force: true }) };
});

describe("git lock store", () => {
  it("lets exactly one of several clones acquire a free stage at once, with one token per acquisition", async () => {
    // Prepare: four checkouts of the same remote
    const { base, remote, clone } = await createRemoteAndClone("sst-state-gitlock-");
    const clones = [clone, ...(await Promise.all([1, 2, 3].map((i) => cloneOf(remote, join(base, `c${i}`)))))];
    const stores = clones.map((c) => createGitLockStore({ git: gitIn(c) }));
    // Act
    const results = await Promise.all(stores.map((s, i) => s.acquire(req(`job-${i}`), T0)));
    // Assess
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const holder = winners[0]!.lock.holder;
    for (const r of results) expect(r.lock).toMatchObject({ holder, token: 1 });
    const log = await gitIn(base).text(["--git-dir", remote, "log", "--format=%s", "refs/sst-state/locks/shop/prod"]);
    expect(log.split("\n")).toEqual([`sst-state lock shop/prod: held by ${holder} (token 1)`]);
    await rm(base, { recursive: true, force: true });
  });

  it("pushes the branch in the same atomic push as the lease, and refuses both when the lease was taken over", async () => {
    // Prepare
    const { base, remote, clone } = await createRemoteAndClone("sst-state-gitlock-");
    const other = await cloneOf(remote, join(base, "other"));
    const mine = createGitLockStore({ git: gitIn(clone) });
    const theirs = createGitLockStore({ git: gitIn(other) });
    const got = await mine.acquire({ ...req("job-a"), ttlMs: MIN }, T0);
    await writeFile(join(clone, "state.json"), "{}");
    await gitIn(clone)(["add", "state.json"]);
    await gitIn(clone)(["commit", "-q", "-m", "state"]);
    const taken = await theirs.acquire(req("job-b"), T0 + 2 * MIN); // ours expired meanwhile
    // Act
    const pushed = await mine.pushAtomically("shop", "prod", got.lock.token, (r) => ({ ...r, released: true }), ["HEAD:refs/heads/main"]);
    // Assess
    expect(taken).toMatchObject({ acquired: true, lock: { holder: "job-b", token: 2 }, tookOver: { holder: "job-a", token: 1 } });
    expect(pushed).toMatchObject({ ok: false, why: "lost" });
    expect(await gitIn(base).text(["--git-dir", remote, "log", "-1", "--format=%s", "main"])).toBe("init");
    await rm(base, { recursive: true, force: true });
  });

  it("tells a moved branch from a lost lease, and moves both when neither happened", async () => {
    // Prepare
    const { base, remote, clone } = await createRemoteAndClone("sst-state-gitlock-");
    const other = await cloneOf(remote, join(base, "other"));
    const store = createGitLockStore({ git: gitIn(clone) });
    const got = await store.acquire(req("job-a"), T0);
    await gitIn(clone)(["commit", "-q", "--allow-empty", "-m", "state 1"]);
    await gitIn(other)(["commit", "-q", "--allow-empty", "-m", "someone else's commit"]);
    await gitIn(other)(["push", "-q", "origin", "main"]);
    // Act 1: the branch moved
    const rejected = await store.pushAtomically("shop", "prod", got.lock.token, (r) => ({ ...r, released: true }), ["HEAD:refs/heads/main"]);
    // Act 2: after a rebase on it, the same push goes through
    await gitIn(clone)(["pull", "-q", "--rebase", "origin", "main"]);
    const ok = await store.pushAtomically("shop", "prod", got.lock.token, (r) => ({ ...r, released: true, outcome: "success" }), ["HEAD:refs/heads/main"]);
    // Assess
    expect(rejected).toMatchObject({ ok: false, why: "rejected" });
    expect(await store.get("shop", "prod", T0 + MIN)).toBeNull();
    expect(ok).toMatchObject({ ok: true, lock: { released: true, outcome: "success", token: 1 } });
    expect(await gitIn(base).text(["--git-dir", remote, "log", "-2", "--format=%s", "main"])).toBe("state 1\nsomeone else's commit");
    await rm(base, { recursive: true, force: true });
  });
});
