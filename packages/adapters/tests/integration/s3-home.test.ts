/**
 * The S3 home against a real S3 server with versioning (OpenStack Swift's s3api, from the global
 * setup): the StateStore contract, paging over many object versions of `app/<app>/<stage>.json`,
 * version selectors that are S3 version ids, and a 20k-resource state.
 * Swift answers 501 to conditional PUTs, so writes here go through the HEAD-compare-PUT path;
 * the If-Match 412 path is covered with a mocked client in tests/unit/s3-home-errors.test.ts.
 */
import { randomBytes } from "node:crypto";
import { Agent } from "node:http";
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, inject, it } from "vitest";
import { VersionNotFoundError } from "@sst-state/core/errors";
import { generateHome } from "@sst-state/core/state/generate-home";
import { parseCheckpoint } from "@sst-state/core/state/parse";
import { resolveVersion } from "@sst-state/core/state/versions";
import { getHistory } from "@sst-state/core/queries";
import { systemClock, type StateStore } from "@sst-state/core/ports";
import { createDiagnosisTasks } from "@sst-state/core/diagnosis";
import { createLocalWorkflow } from "../../workflow-local.ts";
import { recordCommands, s3TestClients } from "../support/s3-test-client.ts";
import { writeS3Home } from "../../home-writer.ts";
import { createS3HomeStore } from "../../s3-home.ts";
import { stateStoreContract } from "../contract/state-store.contract.ts";
import { readInPieces } from "../support/read-pieces.ts";

const client = s3TestClients();
const record = recordCommands;

const newBucket = () => `sst-state-${randomBytes(6).toString("hex")}`;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

stateStoreContract("S3 home on OpenStack Swift", async () => {
  const bucket = newBucket();
  const seeder = client();
  const storeClient = client();
  const calls = record(storeClient);
  await writeS3Home(seeder, bucket, []);
  return {
    store: createS3HomeStore({ bucket, client: storeClient }),
    seed: (files) => writeS3Home(seeder, bucket, files),
    cleanup: async () => {},
    accessed: () => calls.map((c) => String(c.input.Key ?? c.input.Prefix ?? "")),
  };
});

describe("S3 home on OpenStack Swift", () => {
  it("pages over more object versions than fit on one page, newest first, without gaps", async () => {
    // Prepare: one seeded version, 24 pushes, a delete and a push, and a neighbour key that shares the prefix
    const bucket = newBucket();
    const c = client();
    await writeS3Home(c, bucket, generateHome({ app: "shop", seed: 21, stages: [{ name: "prod", resources: 12, deploys: 2 }] }).files);
    for (let i = 1; i <= 24; i++) await c.send(new PutObjectCommand({ Bucket: bucket, Key: "app/shop/prod.json", Body: `push-${i}` }));
    await c.send(new DeleteObjectCommand({ Bucket: bucket, Key: "app/shop/prod.json" }));
    await c.send(new PutObjectCommand({ Bucket: bucket, Key: "app/shop/prod.json", Body: "push-25" }));
    await c.send(new PutObjectCommand({ Bucket: bucket, Key: "app/shop/prod.json.bak", Body: "not ours" }));
    const store = createS3HomeStore({ bucket, client: c });
    // Act
    const pages: { versionId: string; deleteMarker: boolean; isLatest: boolean }[][] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listObjectVersions("shop", "prod", { limit: 10, ...(cursor ? { cursor } : {}) });
      pages.push(page.versions);
      cursor = page.cursor;
    } while (cursor && pages.length < 10);
    // Assess
    const all = pages.flat();
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const p of pages) expect(p.length).toBeLessThanOrEqual(10);
    expect(all).toHaveLength(27); // seeded + 24 + delete marker + 1
    expect(new Set(all.map((v) => v.versionId)).size).toBe(27);
    expect(all[0]!.isLatest).toBe(true);
    expect(all.filter((v) => v.deleteMarker)).toHaveLength(1);
    expect(all[1]!.deleteMarker).toBe(true);
    const bodies: string[] = [];
    for (const v of all) if (!v.deleteMarker) bodies.push(text(await store.readObjectVersion("shop", "prod", v.versionId)));
    expect(bodies.slice(0, 25)).toEqual(Array.from({ length: 25 }, (_, i) => `push-${25 - i}`));
    expect(parseCheckpoint(new TextEncoder().encode(bodies[25]!)).stack).toBe("organization/shop/prod");
    await expect(store.readObjectVersion("shop", "prod", all[1]!.versionId)).rejects.toBeInstanceOf(VersionNotFoundError);
  });

  it("resolves an S3 version id as a selector and rejects an unknown one, saying how many versions exist", async () => {
    const bucket = newBucket();
    const c = client();
    const { files, stages } = generateHome({ app: "shop", seed: 22, stages: [{ name: "prod", resources: 12, deploys: 3 }] });
    await writeS3Home(c, bucket, files);
    await c.send(new PutObjectCommand({ Bucket: bucket, Key: "app/shop/prod.json", Body: '{"version":3,"checkpoint":{"latest":{}}}' }));
    const store = createS3HomeStore({ bucket, client: c });
    const { versions } = await store.listObjectVersions("shop", "prod", { limit: 5 });
    const older = versions[1]!.versionId;
    const resolved = await resolveVersion(store, "shop", "prod", older);
    expect(resolved).toMatchObject({ label: older, objectVersionId: older });
    expect(text(await resolved.read())).toBe(stages[0]!.current);
    const err = await resolveVersion(store, "shop", "prod", "1234567890.12345").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionNotFoundError);
    expect((err as Error).message).toContain("4 versions");
  });

  it("reads and lists a 20k-resource state without loading all object versions", async () => {
    // Prepare: a gzip 20k-resource home, then many pushes of the current object (as a deploy does)
    const bucket = newBucket();
    const seeder = client();
    const { files, stages } = generateHome({ app: "big", seed: 23, compress: true, eventlog: false, stages: [{ name: "prod", resources: 20_000, deploys: 2 }] });
    await writeS3Home(seeder, bucket, files);
    const current = files.find((f) => f.key === "app/big/prod.json")!;
    for (let i = 0; i < 20; i++) await seeder.send(new PutObjectCommand({ Bucket: bucket, Key: "app/big/prod.json", Body: `{"push":${i}}` }));
    await seeder.send(new PutObjectCommand({ Bucket: bucket, Key: "app/big/prod.json", Body: current.body }));
    const c = client();
    const calls = record(c);
    const store = createS3HomeStore({ bucket, client: c });
    // Act
    const cur = await store.readCurrent("big", "prod");
    const versions = await store.listVersions("big", "prod");
    const beforePaging = calls.filter((x) => x.command === "ListObjectVersionsCommand").length;
    const page = await store.listObjectVersions("big", "prod", { limit: 5 });
    // Assess
    expect(text(cur.bytes)).toBe(stages[0]!.current);
    expect(parseCheckpoint(cur.bytes).resources.length).toBeGreaterThan(19_000);
    expect(versions.map((v) => v.id)).toEqual(stages[0]!.snapshotIds);
    expect(versions[0]!.isCurrent).toBe(true);
    expect(beforePaging).toBe(0);
    expect(page.versions).toHaveLength(5);
    expect(page.cursor).toBeDefined();
    const listCalls = calls.filter((x) => x.command === "ListObjectVersionsCommand");
    expect(listCalls).toHaveLength(1);
    expect(listCalls[0]!.input.MaxKeys).toBe(5);
    // the big objects were compared by ETag: neither was downloaded a second time for listVersions
    expect(calls.filter((x) => x.command === "GetObjectCommand" && String(x.input.Key).startsWith("snapshot/"))).toHaveLength(0);
  }, 120_000);

  it("opens the current state for reading in pieces: readCurrent's bytes, stamp and version; a diagnosis reads it once, through the reader", async () => {
    // Prepare: a 3,000-resource stage (a body of several network chunks), and a store that counts whole reads
    const bucket = newBucket();
    const seeder = client();
    await writeS3Home(seeder, bucket, generateHome({ app: "shop", seed: 24, eventlog: false, stages: [{ name: "prod", resources: 3_000, deploys: 2 }] }).files);
    const store = createS3HomeStore({ bucket, client: client() });
    const whole = await store.readCurrent("shop", "prod");
    expect(whole.bytes.length).toBeGreaterThan(1_000_000); // (the premise: a body of many network chunks)
    // Act: read in pieces of at most 1,000 bytes; then open and close without reading to the end
    const reader = await store.openCurrent("shop", "prod");
    const parts = await readInPieces(reader, 1000);
    // a client of one connection: a body left unread and not closed would hold it for good
    const oneSocket = createS3HomeStore({ bucket, client: client({ requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 1 }) } }) });
    const left = await oneSocket.openCurrent("shop", "prod");
    await left.read(Buffer.alloc(10), 0, 10);
    await left.close();
    const afterClose = await Promise.race([oneSocket.listStages("shop"), new Promise((r) => setTimeout(() => r("no answer in 10 s"), 10_000).unref())]);
    let wholeReads = 0;
    const counting: StateStore = { ...store, readCurrent: (a, s) => (wholeReads++, store.readCurrent(a, s)) };
    const diagnose = (st: StateStore) => createLocalWorkflow({ tasks: createDiagnosisTasks({ store: st, clock: systemClock, oneProcess: true }) }).run({ app: "shop", stage: "prod", probes: false });
    const viaReader = await diagnose(counting);
    const viaWhole = await diagnose({ ...store, openCurrent: undefined });
    // Assess
    expect(Buffer.concat(parts).equals(Buffer.from(whole.bytes))).toBe(true);
    expect({ stamp: reader.stamp, time: reader.time, size: reader.size, versionId: reader.versionId }).toEqual({ stamp: whole.token, time: whole.time, size: whole.bytes.length, versionId: whole.versionId });
    expect(whole.versionId).toBeTruthy();
    expect(afterClose).toEqual(["prod"]); // the connection came back when the unread body was closed
    expect(wholeReads).toBe(0);
    expect(viaReader.findings).toEqual(viaWhole.findings);
    const missing = await store.openCurrent("shop", "nope").catch((e: unknown) => e);
    expect(missing).toEqual(await store.readCurrent("shop", "nope").catch((e: unknown) => e));
    expect((missing as Error).name).toBe("StageNotFoundError");
  }, 120_000);

  it("history --limit reads the update records of the page only: the requests do not grow with the number of deploys", async () => {
    // Prepare: the same stage with 6 and with 36 deploys, each a snapshot and an update record
    const requestsFor = async (deploys: number) => {
      const bucket = newBucket();
      const seeder = client();
      await writeS3Home(seeder, bucket, generateHome({ app: "shop", seed: 5, eventlog: false, stages: [{ name: "prod", resources: 4, deploys }] }).files, { concurrency: 8 });
      const c = client();
      const calls = record(c);
      // Act
      const report = await getHistory({ store: createS3HomeStore({ bucket, client: c }), clock: systemClock }, "shop", "prod", { limit: 5 });
      return { report, calls };
    };
    const small = await requestsFor(6);
    const large = await requestsFor(36);
    // Assess: five records read (one GET each), whatever the number of deploys; lists and a HEAD beside them
    const gets = (calls: { command: string }[]) => calls.filter((x) => x.command === "GetObjectCommand").length;
    expect(large.report.versions).toHaveLength(5);
    expect(large.report.versions.every((v) => v.command === "deploy")).toBe(true);
    expect(gets(small.calls)).toBe(5);
    expect(gets(large.calls)).toBe(5);
    expect(large.calls.length).toBe(small.calls.length);
  }, 120_000);
});
