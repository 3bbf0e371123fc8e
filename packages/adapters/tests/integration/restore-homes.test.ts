/**
 * Restore against real homes: OpenStack Swift's S3 layer (versioned; answers 501 to conditional
 * PUTs, so the S3 store compares under the lock), the local home on disk, and the AWS path of
 * `If-Match` (a mocked 412 — aws-sdk-client-mock, forwarding every other call to Swift).
 * Approvals, audit and locks live in DynamoDB Local, as in production.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command, PutObjectCommand, DeleteObjectCommand, S3Client, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseConfig } from "@sst-state/core/config";
import { createLocker } from "@sst-state/core/lock";
import type { StateStore } from "@sst-state/core/ports";
import { createRestoreService, createStaticUserGroupResolver, sha256Hex, type DecisionOutcome } from "@sst-state/core/restore";
import { createRecordingNotifier, createTestClock, wrapStateStore } from "@sst-state/test-kit/restore";
import { generateHome } from "@sst-state/core/state/generate-home";
import { makeUpdateId } from "@sst-state/core/state/update-id";
import { stateKeys } from "@sst-state/core/state/versions";
import { swiftCredentials } from "../../../../scripts/services/swift.ts";
import { dynamoCredentials } from "../../../../scripts/services/dynamodb-local.ts";
import { createDynamoClient } from "../../dynamodb-client.ts";
import { createDynamoApprovalStore } from "../../dynamodb-approval-store.ts";
import { createDynamoAuditLog } from "../../dynamodb-audit-log.ts";
import { createDynamoLockStore } from "../../dynamodb-lock-store.ts";
import { ensureTable } from "../../dynamo-table.ts";
import { writeLocalHome, writeS3Home } from "../../home-writer.ts";
import { createLocalHomeStore } from "../../local-home.ts";
import { createS3HomeStore } from "../../s3-home.ts";

const APP = "shop";
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const policy = parseConfig(JSON.stringify({ stages: { prod: { channel: "C0PROD", approvers: ["U0BOB", "S0SRE"] } } }));
const groups = createStaticUserGroupResolver({ S0SRE: Array.from({ length: 20 }, (_, i) => `U0SRE${i}`) });
const table = `restore-homes-${Date.now().toString(36)}`;
let ddb: ReturnType<typeof createDynamoClient>;
let s3: S3Client;

beforeAll(async () => {
  ddb = createDynamoClient({ endpoint: inject("dynamoEndpoint"), env: {}, region: "us-east-1", credentials: dynamoCredentials, maxAttempts: 10, requestTimeoutMs: 30_000 });
  await ensureTable(ddb, table);
  s3 = new S3Client({ endpoint: inject("s3Endpoint"), region: "us-east-1", credentials: swiftCredentials, forcePathStyle: true });
});
afterAll(() => {
  ddb?.destroy();
  s3?.destroy();
});

function home(seed: number) {
  return generateHome({ app: APP, seed, now: NOW - 3_600_000, stages: [{ name: "prod", resources: 20, deploys: 4 }] });
}

function setup(store: StateStore) {
  const clock = createTestClock(NOW);
  const wrapped = wrapStateStore(store);
  const approvals = createDynamoApprovalStore({ client: ddb, tableName: table });
  const audit = createDynamoAuditLog({ client: ddb, tableName: table });
  const locker = createLocker({ store: createDynamoLockStore({ client: ddb, tableName: table }), clock });
  const notifier = createRecordingNotifier();
  const service = createRestoreService({ store: wrapped, approvals, audit, locker, groups, config: policy, clock, notifier });
  return { clock, store: wrapped, approvals, audit, locker, notifier, service };
}

async function swiftHome(seed: number) {
  const bucket = `sst-state-restore${seed}${Date.now().toString(36)}`;
  const gen = home(seed);
  await writeS3Home(s3, bucket, gen.files);
  return { bucket, gen, store: createS3HomeStore({ bucket, client: s3 }) };
}

async function readAll(store: StateStore) {
  const versions = await store.listVersions(APP, "prod");
  return Promise.all(versions.map(async (v) => ({ v, sha: sha256Hex(await store.readVersion(APP, "prod", v)) })));
}

async function expectHistoryKept(store: StateStore, before: Awaited<ReturnType<typeof readAll>>) {
  const after = await store.listVersions(APP, "prod");
  for (const { v, sha } of before) {
    if (v.kind === "current") continue;
    const again = after.find((x) => x.id === v.id);
    expect(again, `version ${v.id} is still listed`).toBeDefined();
    expect(sha256Hex(await store.readVersion(APP, "prod", again!))).toBe(sha);
  }
}

describe("restore on OpenStack Swift (S3 without conditional PUTs) with DynamoDB Local stores", () => {
  it("restores the target, keeps every earlier version listed and readable, and the replaced object as a version", async () => {
    // Prepare
    const { store: s3store } = await swiftHome(1);
    const s = setup(s3store);
    const before = await readAll(s3store);
    const { request } = await s.service.request({ app: APP, stage: "prod", selector: "~2", requester: "U0ALICE", source: "slack" });
    // Act
    const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
    // Assess
    expect(r.kind).toBe("restored");
    expect(sha256Hex((await s3store.readCurrent(APP, "prod")).bytes)).toBe(request.target.sha256);
    await expectHistoryKept(s3store, before);
    expect(sha256Hex(await s3store.readObjectVersion(APP, "prod", request.current.versionId!))).toBe(request.current.sha256);
    expect(await s3store.readSstLock(APP, "prod")).toBeNull();
    expect((await s.audit.list(APP, "prod", { limit: 10 })).filter((e) => e.requestId === request.id).map((e) => e.action)).toEqual([
      "restore.done",
      "restore.approved",
      "restore.requested",
    ]);
  });

  it("a deploy that writes a new current version between request and approval makes the approval fail; the deploy's state stays", async () => {
    // Prepare
    const { bucket, store: s3store } = await swiftHome(2);
    const s = setup(s3store);
    const { request } = await s.service.request({ app: APP, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const deployId = makeUpdateId(NOW + 60_000);
    const deployed = new TextDecoder().decode((await s3store.readCurrent(APP, "prod")).bytes) + "\n";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: stateKeys.update(APP, "prod", deployId), Body: JSON.stringify({ id: deployId, command: "deploy", timeStarted: new Date(NOW + 60_000).toISOString(), timeCompleted: new Date(NOW + 90_000).toISOString() }) }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: stateKeys.app(APP, "prod"), Body: deployed }));
    // Act
    const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
    // Assess
    expect(r.kind).toBe("failed");
    expect((r as Extract<DecisionOutcome, { kind: "failed" }>).error.message).toMatch(new RegExp(`^prod changed since the request was made: .*update ${deployId}.*; ask again\\.$`));
    expect(new TextDecoder().decode((await s3store.readCurrent(APP, "prod")).bytes)).toBe(deployed);
    expect(s.store.writes).toBe(0);
    expect(await s3store.readSstLock(APP, "prod")).toBeNull();
    expect((await s.approvals.get(request.id))!.status).toBe("failed");
  });

  it("20 concurrent approvals (DynamoDB Local) write the state once", async () => {
    const { store: s3store } = await swiftHome(3);
    const s = setup(s3store);
    const { request } = await s.service.request({ app: APP, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.service.approve({ id: request.id, approver: `U0SRE${i}` })));
    expect(results.filter((r) => r.kind === "restored")).toHaveLength(1);
    expect(results.filter((r) => r.kind === "already-decided")).toHaveLength(19);
    expect(s.store.writes).toBe(1);
    expect(sha256Hex((await s3store.readCurrent(APP, "prod")).bytes)).toBe(request.target.sha256);
  });

  it("SST's lock object in the bucket → refused, nothing written", async () => {
    const { bucket, store: s3store } = await swiftHome(4);
    const s = setup(s3store);
    const { request } = await s.service.request({ app: APP, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: stateKeys.lock(APP, "prod"), Body: JSON.stringify({ created: new Date(NOW).toISOString(), updateID: makeUpdateId(NOW), runID: "x", command: "deploy", ignore: true }) }));
    const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
    expect(r).toMatchObject({ kind: "blocked", error: { code: "sst-lock-held" } });
    expect(s.store.writes).toBe(0);
    expect((await s.approvals.get(request.id))!.status).toBe("pending");
  });
});

describe("restore on AWS S3: If-Match", () => {
  it("a 412 from the conditional PUT (SST pushed between our check and our write) fails the approval with a clear message", async () => {
    // Prepare: a mocked client that forwards everything to Swift, except the PUT of app/… with
    // If-Match, which plays AWS: a deploy's push lands first, then our conditional PUT gets 412.
    const { bucket, store: real } = await swiftHome(5);
    const client = new S3Client({ region: "us-east-1", credentials: swiftCredentials });
    const mock = mockClient(client);
    const forward = <I extends object>(C: new (input: I) => unknown) => (input: I) => s3.send(new C(input) as never);
    mock.on(GetObjectCommand).callsFake(forward(GetObjectCommand));
    mock.on(HeadObjectCommand).callsFake(forward(HeadObjectCommand));
    mock.on(ListObjectsV2Command).callsFake(forward(ListObjectsV2Command));
    mock.on(ListObjectVersionsCommand).callsFake(forward(ListObjectVersionsCommand));
    mock.on(DeleteObjectCommand).callsFake(forward(DeleteObjectCommand));
    const ifMatch: (string | undefined)[] = [];
    const pushed = new TextDecoder().decode((await real.readCurrent(APP, "prod")).bytes) + "\n";
    mock.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
      if (input.Key === stateKeys.app(APP, "prod")) {
        ifMatch.push(input.IfMatch);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: input.Key, Body: pushed }));
        throw Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
      }
      if (input.IfNoneMatch) {
        // AWS honours If-None-Match on the lock; Swift would answer 501
        const { IfNoneMatch: _drop, ...rest } = input;
        return s3.send(new PutObjectCommand(rest));
      }
      return s3.send(new PutObjectCommand(input));
    });
    const awsStore = createS3HomeStore({ bucket, client });
    const s = setup(awsStore);
    const { request } = await s.service.request({ app: APP, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    // Act
    const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
    // Assess
    expect(ifMatch).toEqual([request.current.token]);
    expect(r.kind).toBe("failed");
    expect((r as Extract<DecisionOutcome, { kind: "failed" }>).error).toMatchObject({ code: "state-changed" });
    expect((r as Extract<DecisionOutcome, { kind: "failed" }>).error.message).toMatch(/^prod changed since the request was made: .+; ask again\.$/);
    expect(new TextDecoder().decode((await real.readCurrent(APP, "prod")).bytes)).toBe(pushed);
    expect(await real.readSstLock(APP, "prod")).toBeNull();
    mock.restore();
  });
});

describe("restore in the local home", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "sst-state-restore-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("restores, keeps every version listed and readable, and the undo brings the old state back", async () => {
    // Prepare
    const dir = join(root, "a");
    const gen = home(6);
    await writeLocalHome(dir, gen.files);
    const local = createLocalHomeStore({ root: dir });
    const s = setup(local);
    const before = await readAll(local);
    const old = sha256Hex((await local.readCurrent(APP, "prod")).bytes);
    // Act
    const { request } = await s.service.request({ app: APP, stage: "prod", selector: "~3", requester: "U0ALICE", source: "slack" });
    const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
    // Assess
    expect(r.kind).toBe("restored");
    expect(sha256Hex((await local.readCurrent(APP, "prod")).bytes)).toBe(request.target.sha256);
    await expectHistoryKept(local, before);
    expect(await local.readSstLock(APP, "prod")).toBeNull();
    const undo = await s.service.undo({ id: request.id, requester: "U0BOB", source: "slack" });
    expect((await s.service.approve({ id: undo.request.id, approver: "U0SRE1" })).kind).toBe("restored");
    expect(sha256Hex((await local.readCurrent(APP, "prod")).bytes)).toBe(old);
  });

  for (const fault of ["throw-before-write", "throw-after-write"] as const) {
    it(`a failing write (${fault}) leaves the old or the target version, never anything else`, async () => {
      const dir = join(root, fault);
      await writeLocalHome(dir, home(7).files);
      const local = createLocalHomeStore({ root: dir });
      const s = setup(local);
      const old = sha256Hex((await local.readCurrent(APP, "prod")).bytes);
      const { request } = await s.service.request({ app: APP, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
      s.store.fault = fault;
      const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
      const now = sha256Hex((await local.readCurrent(APP, "prod")).bytes);
      expect(now).toBe(fault === "throw-before-write" ? old : request.target.sha256);
      expect(r.kind).toBe(fault === "throw-before-write" ? "failed" : "restored");
      expect(await local.readSstLock(APP, "prod")).toBeNull();
      expect(await s.locker.get(APP, "prod")).toBeNull();
    });
  }
});
