/**
 * A restore writes what SST writes for a state-changing command (core/restore/write.ts): the
 * current file, `snapshot/<id>.json` with the same bytes and `update/<id>.json` under ONE new
 * updateID, so that `history` shows the restore as one version (who and when) and the replaced
 * version keeps its own id. Checked on the local home and on OpenStack Swift's S3 layer, and SST
 * 4.17.1 itself (`sst state export`, offline) reads the restored local home.
 */
import { mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseConfig } from "@sst-state/core/config";
import { createLocker } from "@sst-state/core/lock";
import { createMemoryApprovalStore } from "@sst-state/test-kit/memory/approval-store";
import { createMemoryAuditLog } from "@sst-state/test-kit/memory/audit-log";
import { createMemoryLockStore } from "@sst-state/test-kit/memory/lock-store";
import type { StateStore } from "@sst-state/core/ports";
import { getHistory, getStatus } from "@sst-state/core/queries";
import { createRestoreService, RESTORE_COMMAND, sha256Hex } from "@sst-state/core/restore";
import { createTestClock } from "@sst-state/test-kit/restore";
import { generateHome, type HomeFile } from "@sst-state/core/state/generate-home";
import { parseCheckpoint } from "@sst-state/core/state/parse";
import { makeUpdateId, updateIdTime } from "@sst-state/core/state/update-id";
import { stateKeys } from "@sst-state/core/state/versions";
import { runSst } from "@sst-state/test-kit/sst-cli";
import { swiftCredentials } from "../../../../scripts/services/swift.ts";
import { writeLocalHome, writeS3Home } from "../../home-writer.ts";
import { createLocalHomeStore } from "../../local-home.ts";
import { createS3HomeStore } from "../../s3-home.ts";

const APP = "shop";
const text = (b: Uint8Array) => new TextDecoder().decode(b);
let s3: S3Client;
let tmp: string;

beforeAll(async () => {
  s3 = new S3Client({ endpoint: inject("s3Endpoint"), region: "us-east-1", credentials: swiftCredentials, forcePathStyle: true });
  tmp = await mkdtemp(join(tmpdir(), "sst-state-restore-writes-"));
});
afterAll(async () => {
  s3?.destroy();
  await rm(tmp, { recursive: true, force: true });
});

interface Home {
  store: StateStore;
  /** the local home root, for running SST on it */
  root?: string;
  /** write a key behind the store's back, as SST or a person would */
  put(key: string, body: string): Promise<void>;
}

let homes = 0;
const kinds: [string, (files: HomeFile[]) => Promise<Home>][] = [
  [
    "local home",
    async (files) => {
      const root = join(tmp, `h${++homes}`, "sst");
      await writeLocalHome(root, files);
      const put = async (key: string, body: string) => {
        await writeLocalHome(root, [{ key, body }]);
        // a hand edit some minutes ago, not in the future of the test clock
        const when = new Date(Date.now() - 120_000);
        await utimes(join(root, "state", ...key.split("/")), when, when);
      };
      return { store: createLocalHomeStore({ root }), root, put };
    },
  ],
  [
    "S3 home (Swift)",
    async (files) => {
      const bucket = `sst-state-writes${++homes}${Date.now().toString(36)}`;
      await writeS3Home(s3, bucket, files);
      const put = async (key: string, body: string) => void (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body })));
      return { store: createS3HomeStore({ bucket, client: s3 }), put };
    },
  ],
];

function setup(store: StateStore) {
  const clock = createTestClock(Date.now());
  const service = createRestoreService({
    store,
    approvals: createMemoryApprovalStore(),
    audit: createMemoryAuditLog(),
    locker: createLocker({ store: createMemoryLockStore(), clock }),
    groups: { members: async () => [] },
    config: parseConfig(JSON.stringify({ stages: { prod: { approvers: ["U0BOB"] } } })),
    clock,
  });
  return { clock, service };
}

async function restore(store: StateStore, selector: string) {
  const s = setup(store);
  const { request } = await s.service.request({ app: APP, stage: "prod", selector, requester: "U0ALICE", source: "slack" });
  const outcome = await s.service.approve({ id: request.id, approver: "U0BOB" });
  if (outcome.kind !== "restored") throw new Error(`restore did not happen: ${JSON.stringify(outcome)}`);
  return { request, result: outcome.request.result!, clock: s.clock };
}

/** The restore's own version: app file = snapshot under its updateID, with its completed record. */
async function expectRestoreVersion(store: StateStore, updateId: string, targetSha: string) {
  const versions = await store.listVersions(APP, "prod");
  const [top] = versions;
  expect(top).toMatchObject({ id: updateId, kind: "snapshot", isCurrent: true, time: new Date(updateIdTime(updateId)).toISOString() });
  expect(sha256Hex(await store.readVersion(APP, "prod", top!))).toBe(targetSha);
  expect(sha256Hex((await store.readCurrent(APP, "prod")).bytes)).toBe(targetSha);
  expect(top!.update).toMatchObject({ id: updateId, command: RESTORE_COMMAND, errors: [], restore: { requester: "U0ALICE", approver: "U0BOB" } });
  expect(Date.parse(top!.update!.timeCompleted!)).toBeGreaterThanOrEqual(Date.parse(top!.update!.timeStarted!));
  return versions;
}

for (const [name, make] of kinds) {
  describe(`a restore writes what SST writes: ${name}`, () => {
    it("current file + snapshot + update record under one new updateID; the replaced snapshot keeps its id; history and status agree", async () => {
      // Prepare
      const gen = generateHome({ app: APP, seed: 31, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 14, deploys: 4 }] });
      const home = await make(gen.files);
      const before = await home.store.listVersions(APP, "prod");
      // Act
      const { request, result, clock } = await restore(home.store, "~2");
      // Assess
      const after = await expectRestoreVersion(home.store, result.updateId!, request.target.sha256);
      expect(after.map((v) => v.id)).toEqual([result.updateId, ...before.map((v) => v.id)]);
      expect(after[1]).toMatchObject({ id: before[0]!.id, isCurrent: false });
      expect(result.previousSelector).toBe(before[0]!.id);
      const history = await getHistory({ store: home.store, clock }, APP, "prod");
      expect(history.versions[0]).toMatchObject({ id: result.updateId, command: RESTORE_COMMAND, completed: true, isCurrent: true, by: { requester: "U0ALICE", approver: "U0BOB" } });
      expect(history.versions.filter((v) => v.by)).toHaveLength(1);
      expect((await getStatus({ store: home.store, clock }, APP, "prod")).updatedAt).toBe(history.versions[0]!.time);
    });

    it("an interrupted deploy's state, when replaced, becomes the snapshot of its own update, older than the restore", async () => {
      // Prepare
      const gen = generateHome({ app: APP, seed: 32, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 14, deploys: 3, interrupted: true, crashedLock: false }] });
      const home = await make(gen.files);
      const before = await home.store.listVersions(APP, "prod");
      const interrupted = gen.stages[0]!.currentUpdateId;
      expect(before[0]).toMatchObject({ kind: "current", updateId: interrupted });
      // Act
      const { request, result } = await restore(home.store, "previous");
      // Assess
      const after = await expectRestoreVersion(home.store, result.updateId!, request.target.sha256);
      expect(after.map((v) => v.id)).toEqual([result.updateId, interrupted, ...before.slice(1).map((v) => v.id)]);
      expect(after[1]).toMatchObject({ kind: "snapshot", isCurrent: false, update: { id: interrupted } });
      expect(after[1]!.update!.timeCompleted).toBeUndefined();
      expect(text(await home.store.readVersion(APP, "prod", after[1]!))).toBe(gen.stages[0]!.current);
      expect(result.previousSelector).toBe(interrupted);
    });

    it("a hand-edited current state with no update record is kept between the newest snapshot and the restore", async () => {
      // Prepare
      const gen = generateHome({ app: APP, seed: 33, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 14, deploys: 3 }] });
      const home = await make(gen.files);
      const edited = gen.stages[0]!.current.replace(/\n*$/, "\n\n");
      await home.put(stateKeys.app(APP, "prod"), edited);
      const before = await home.store.listVersions(APP, "prod");
      expect(before[0]).toMatchObject({ kind: "current" });
      expect(before[0]!.updateId).toBeUndefined();
      // Act
      const { request, result } = await restore(home.store, "~2");
      // Assess
      const after = await expectRestoreVersion(home.store, result.updateId!, request.target.sha256);
      const kept = after[1]!;
      expect(after.map((v) => v.id)).toEqual([result.updateId, kept.id, ...before.slice(1).map((v) => v.id)]);
      expect(kept).toMatchObject({ kind: "snapshot", id: result.previousSelector });
      expect(kept.update).toBeUndefined();
      expect(text(await home.store.readVersion(APP, "prod", kept))).toBe(edited);
      expect(updateIdTime(kept.id)).toBeGreaterThan(updateIdTime(before[1]!.id));
      expect(updateIdTime(kept.id)).toBeLessThan(updateIdTime(result.updateId!));
    });
  });
}

describe("SST 4.17.1 reads what a restore wrote (local home, offline)", () => {
  it("`sst unlock` closes the record and removes the lock a crashed restore left behind", async () => {
    // Prepare: SST's lock and the started update record exactly as executeRestore writes them
    const gen = generateHome({ app: APP, seed: 35, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 10, deploys: 2 }] });
    const home = await kinds[0]![1](gen.files);
    const id = makeUpdateId(Date.now());
    const created = new Date().toISOString();
    await home.store.putSstLock(APP, "prod", { created, updateID: id, runID: "r-1", command: RESTORE_COMMAND, ignore: true });
    await home.store.writeUpdate(APP, "prod", { id, runID: "r-1", version: "sst-state", command: RESTORE_COMMAND, errors: [], timeStarted: created, restore: { request: "q-1", target: "x", requester: "U0ALICE", approver: "U0BOB" } });
    // Act
    const unlocked = await runSst(home.root!, APP, ["unlock", "--stage", "prod"]);
    // Assess
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(await home.store.readSstLock(APP, "prod")).toBeNull();
    const record = await home.store.readUpdate(APP, "prod", id);
    expect(record).toMatchObject({ id, command: RESTORE_COMMAND });
    expect(record!.timeCompleted).toBeTruthy();
    expect(record!.errors?.[0]?.message).toContain("force unlocked");
  });

  it("`sst state export` prints the restored checkpoint", async () => {
    // Prepare
    const gen = generateHome({ app: APP, seed: 34, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 14, deploys: 3, interrupted: true, crashedLock: false }] });
    const home = await kinds[0]![1](gen.files);
    const { request } = await restore(home.store, "previous");
    const target = parseCheckpoint((await home.store.readCurrent(APP, "prod")).bytes);
    // Act
    const exported = await runSst(home.root!, APP, ["state", "export", "--stage", "prod"]);
    // Assess
    expect(exported.code, exported.stderr).toBe(0);
    const cp = parseCheckpoint(new TextEncoder().encode(exported.stdout));
    expect(cp.resources.map((r) => r.urn)).toEqual(target.resources.map((r) => r.urn));
    expect(sha256Hex((await home.store.readCurrent(APP, "prod")).bytes)).toBe(request.target.sha256);
    expect(await home.store.readSstLock(APP, "prod")).toBeNull();
  });
});
