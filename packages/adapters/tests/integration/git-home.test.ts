/**
 * The git home against real git: the StateStore contract (SST's layout committed deploy by
 * deploy), the flat layout pipelines keep, versions by sha prefix and `~N`, `uncommitted`, and
 * restore as a commit that refuses a modified file or a changed blob.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { StateChangedError, UsageError, VersionNotFoundError } from "@sst-state/core/errors";
import { parseCheckpoint } from "@sst-state/core/state/parse";
import { resolveVersion } from "@sst-state/core/state/versions";
import { getDiff, getHistory } from "@sst-state/core/queries";
import { systemClock } from "@sst-state/core/ports";
import { createGitHomeStore, UncommittedStateError } from "../../git-home.ts";
import { commitHomeFiles, createFlatStateRepo, createRemoteAndClone, gitIn } from "@sst-state/test-kit/git-repo";
import { stateStoreContract } from "../contract/state-store.contract.ts";

// every step runs the real `git` binary (several processes per lock operation): bounded, not fast
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const text = (b: Uint8Array) => new TextDecoder().decode(b);

stateStoreContract(
  "git home (SST's layout)",
  async () => {
    const { base, clone } = await createRemoteAndClone();
    const touched: string[] = [];
    const dir = join(clone, "infra");
    await gitIn(clone)(["status"]); // the clone exists
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "state", "app"), { recursive: true });
    const store = await createGitHomeStore({ dir, env: { PATH: process.env.PATH, HOME: base, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" }, onAccess: (_op, key) => touched.push(key) });
    return {
      store,
      seed: (files) => commitHomeFiles(gitIn(clone), join(dir, "state"), files),
      cleanup: () => rm(base, { recursive: true, force: true }),
      accessed: () => touched,
    };
  },
  // a state that is no snapshot is the commit that wrote it (or `uncommitted` before that)
  { isOwnVersion: (v) => (v.kind === "commit" && !!v.commit && v.id === v.commit.short) || (v.kind === "uncommitted" && v.id === "uncommitted") },
);

describe("git home, flat layout", () => {
  it("lists the commits that changed the stage's file, with sha, author and subject, and takes the app from sst.config.ts", async () => {
    // Prepare
    const r = await createFlatStateRepo();
    const store = await createGitHomeStore({ dir: r.dir, env: r.env });
    // Act
    const apps = await store.listApps();
    const versions = await store.listVersions("shop", "prod");
    const history = await getHistory({ store, clock: systemClock }, "shop", "prod");
    // Assess
    expect(store.layout()).toBe("flat");
    expect(apps).toEqual(["shop"]);
    expect(await store.listStages("shop")).toEqual(["prod"]);
    expect(versions.map((v) => v.kind)).toEqual(["commit", "commit", "commit"]);
    expect(versions.map((v) => v.commit?.subject)).toEqual(["deploy prod #3", "deploy prod #2", "deploy prod #1"]);
    expect(versions.map((v) => v.isCurrent)).toEqual([true, false, false]);
    expect(versions[0]!.commit!.author).toBe("Pipeline");
    expect(versions[0]!.id).toBe(await r.git.text(["rev-parse", "--short", "HEAD"]));
    expect(history.versions[1]!.commit).toMatchObject({ sha: versions[1]!.id, subject: "deploy prod #2", author: "Pipeline" });
    expect(text(await store.readVersion("shop", "prod", versions[2]!))).toBe(r.states[0]);
    await rm(r.base, { recursive: true, force: true });
  });

  it("resolves versions by sha prefix and ~N, and diffs them", async () => {
    // Prepare
    const r = await createFlatStateRepo();
    const store = await createGitHomeStore({ dir: r.dir, env: r.env });
    const first = await r.git.text(["rev-list", "--max-parents=0", "HEAD"]); // README commit: never touched the state
    const sha1 = await r.git.text(["log", "--format=%H", "--reverse", "--", "infra/state/app/prod.json"]).then((o) => o.split("\n")[0]!);
    // Act
    const byPrefix = await resolveVersion(store, "shop", "prod", sha1.slice(0, 7));
    const back = await resolveVersion(store, "shop", "prod", "~2");
    const diff = await getDiff({ store, clock: systemClock }, "shop", "prod", sha1.slice(0, 9), "latest");
    const unrelated = await resolveVersion(store, "shop", "prod", first.slice(0, 8)).catch((e: unknown) => e);
    // Assess
    expect(text(await byPrefix.read())).toBe(r.states[0]);
    expect(back.version?.commit?.sha).toBe(sha1);
    expect(diff.added.length).toBe(2);
    expect(diff.removed).toEqual([]);
    expect(unrelated).toBeInstanceOf(VersionNotFoundError);
    expect((unrelated as Error).message).toContain("3 versions");
    await rm(r.base, { recursive: true, force: true });
  });

  it("shows a working-tree file that differs from the last commit as `uncommitted`", async () => {
    // Prepare
    const r = await createFlatStateRepo();
    const store = await createGitHomeStore({ dir: r.dir, env: r.env });
    await writeFile(join(r.dir, "app", "prod.json"), r.states[0]!);
    // Act
    const versions = await store.listVersions("shop", "prod");
    const u = await resolveVersion(store, "shop", "prod", "uncommitted");
    // Assess
    expect(versions.map((v) => v.id)[0]).toBe("uncommitted");
    expect(versions.map((v) => v.isCurrent)).toEqual([true, false, false, false]);
    expect(text(await u.read())).toBe(r.states[0]);
    await rm(r.base, { recursive: true, force: true });
  });

  it("asks for the app when neither a flag nor sst.config.ts names it", async () => {
    // Prepare
    const r = await createFlatStateRepo();
    await rm(join(r.clone, "sst.config.ts"));
    const store = await createGitHomeStore({ dir: r.dir, env: r.env });
    // Act
    const err = await store.listApps().catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).hint).toContain("--app");
    expect(await (await createGitHomeStore({ dir: r.dir, env: r.env, app: "shop" })).listStages("shop")).toEqual(["prod"]);
    await rm(r.base, { recursive: true, force: true });
  });

  it("restores as a commit naming the target, requester and approver; undo is one more commit; history is never rewritten", async () => {
    // Prepare
    const r = await createFlatStateRepo();
    const store = await createGitHomeStore({ dir: r.dir, env: r.env });
    const before = await store.listVersions("shop", "prod");
    const cur = await store.readCurrent("shop", "prod");
    const target = before[2]!;
    const headBefore = await r.git.text(["rev-parse", "HEAD"]);
    // Act: restore ~2, then undo (restore the version that was current)
    const written = await store.writeCurrent("shop", "prod", await store.readVersion("shop", "prod", target), cur.token, { target: target.id, requestedBy: "U0ALICE", approvedBy: "U0BOB" });
    const mid = await store.listVersions("shop", "prod");
    await store.writeCurrent("shop", "prod", await store.readVersion("shop", "prod", before[0]!), written.token, { target: before[0]!.id, requestedBy: "U0BOB", approvedBy: "U0ALICE" });
    const after = await store.listVersions("shop", "prod");
    // Assess
    expect(mid[0]!.commit!.subject).toBe(`sst-state: restore prod to ${target.id} (requested by U0ALICE, approved by U0BOB)`);
    expect(after[0]!.commit!.subject).toBe(`sst-state: restore prod to ${before[0]!.id} (requested by U0BOB, approved by U0ALICE)`);
    expect(after.map((v) => v.id).slice(2)).toEqual(before.map((v) => v.id));
    expect(await r.git.text(["rev-list", "--count", `${headBefore}..HEAD`])).toBe("2");
    expect(await r.git.text(["merge-base", "--is-ancestor", headBefore, "HEAD"]).then(() => true)).toBe(true);
    expect(await readFile(join(r.dir, "app", "prod.json"), "utf8")).toBe(r.states[2]);
    expect(await r.git.text(["status", "--porcelain"])).toBe("");
    await rm(r.base, { recursive: true, force: true });
  });

  it("refuses to restore over a modified file, and when the blob changed since the request", async () => {
    // Prepare
    const r = await createFlatStateRepo();
    const store = await createGitHomeStore({ dir: r.dir, env: r.env });
    const cur = await store.readCurrent("shop", "prod");
    const versions = await store.listVersions("shop", "prod");
    const old = await store.readVersion("shop", "prod", versions[2]!);
    const head = await r.git.text(["rev-parse", "HEAD"]);
    // Act 1: the file is modified in the work tree
    await writeFile(join(r.dir, "app", "prod.json"), r.states[1]!);
    const dirty = await store.writeCurrent("shop", "prod", old, cur.token).catch((e: unknown) => e);
    // Act 2: someone committed another state since the request
    await r.git(["commit", "-q", "-am", "deploy prod #4"]);
    const moved = await store.writeCurrent("shop", "prod", old, cur.token).catch((e: unknown) => e);
    // Assess
    expect(dirty).toBeInstanceOf(UncommittedStateError);
    expect((dirty as Error).message).toContain("infra/state/app/prod.json");
    expect(moved).toBeInstanceOf(StateChangedError);
    expect(await readFile(join(r.dir, "app", "prod.json"), "utf8")).toBe(r.states[1]);
    expect(await r.git.text(["rev-list", "--count", `${head}..HEAD`])).toBe("1");
    expect(parseCheckpoint((await store.readCurrent("shop", "prod")).bytes).resources.length).toBe(12);
    await rm(r.base, { recursive: true, force: true });
  });
});
