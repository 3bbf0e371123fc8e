import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { AmbiguousVersionError, StateParseError, VersionNotFoundError } from "../../errors.ts";
import { createMemoryStateStore } from "@sst-state/test-kit/memory/state-store";
import { generateHome } from "../../state/generate-home.ts";
import { makeUpdateId } from "../../state/update-id.ts";
import { getHistory, getStatus } from "../../queries.ts";
import { parseCheckpoint } from "../../state/parse.ts";
import { legacyHistoryDigits, legacyHistoryOfKey, resolveVersion, sameStoredContent, stateKeys } from "../../state/versions.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function home() {
  const g = generateHome({
    app: "shop",
    seed: 5,
    stages: [
      { name: "prod", resources: 16, deploys: 4 },
      { name: "staging", resources: 12, deploys: 3, interrupted: true },
    ],
  });
  const store = createMemoryStateStore(g.files);
  return { store, prod: g.stages[0]!, staging: g.stages[1]! };
}

describe("resolveVersion", () => {
  it("names a legacy history id (a cuid2) that matches no entry as such, and never reads it as an S3 object version", async () => {
    // Prepare: a stage with legacy history entries, and a store that counts object-version reads
    const g = generateHome({ app: "old", seed: 8, legacyHistory: true, stages: [{ name: "prod", resources: 8, deploys: 4 }] });
    const store = createMemoryStateStore(g.files);
    let objectVersionReads = 0;
    const counting = { ...store, readObjectVersion: (...a: Parameters<typeof store.readObjectVersion>) => (objectVersionReads++, store.readObjectVersion(...a)) };
    const legacyIds = (await store.listVersions("old", "prod")).filter((v) => v.kind === "history").map((v) => v.id);
    const unknown = "zz" + legacyIds[0]!.slice(2);
    // Act
    const found = await resolveVersion(counting, "old", "prod", legacyIds[0]!);
    const missing = (await resolveVersion(counting, "old", "prod", unknown).then(() => null, (e: unknown) => e)) as VersionNotFoundError;
    // Assess
    expect(found.version?.kind).toBe("history");
    expect(missing).toBeInstanceOf(VersionNotFoundError);
    expect(missing.message).toContain("legacy history id");
    expect(missing.message).not.toContain("object version");
    expect(objectVersionReads).toBe(0);
  });

  it("resolves latest, previous and ~N to deploys counted back from the current state", async () => {
    const { store, prod } = home();
    const latest = await resolveVersion(store, "shop", "prod", "latest");
    const previous = await resolveVersion(store, "shop", "prod", "previous");
    const back2 = await resolveVersion(store, "shop", "prod", "~2");
    const zero = await resolveVersion(store, "shop", "prod", "~0");
    expect([latest.label, previous.label, back2.label]).toEqual(prod.snapshotIds.slice(0, 3));
    expect(zero.label).toBe(latest.label);
    expect(text(await latest.read())).toBe(prod.current);
    expect(text(await previous.read())).not.toBe(prod.current);
    expect(latest.version?.isCurrent).toBe(true);
  });

  it("counts from the interrupted current state when it is no snapshot", async () => {
    const { store, staging } = home();
    const latest = await resolveVersion(store, "shop", "staging", "latest");
    const previous = await resolveVersion(store, "shop", "staging", "previous");
    expect(latest.label).toBe("current");
    expect(text(await latest.read())).toBe(staging.current);
    expect(previous.label).toBe(staging.snapshotIds[0]);
  });

  it("resolves an updateID to its snapshot", async () => {
    const { store, prod } = home();
    const v = await resolveVersion(store, "shop", "prod", prod.snapshotIds[2]!);
    expect(v.label).toBe(prod.snapshotIds[2]);
    expect(v.version?.kind).toBe("snapshot");
    expect(text(await v.read())).toContain('"stack": "organization/shop/prod"');
  });

  it("resolves a unique prefix of an updateID, and lists the candidates when a prefix is ambiguous", async () => {
    // Prepare: deploys hours apart share the first hex digits of their ids (they start with the time)
    const { store, prod } = home();
    const id = prod.snapshotIds[2]!;
    const shared = id.slice(0, 4);
    const sharing = prod.snapshotIds.filter((x) => x.startsWith(shared));
    let unique = id.slice(0, 5);
    while (prod.snapshotIds.filter((x) => x.startsWith(unique)).length > 1) unique = id.slice(0, unique.length + 1);
    // Act
    const v = await resolveVersion(store, "shop", "prod", unique);
    const ambiguous = (await resolveVersion(store, "shop", "prod", shared).then(
      () => null,
      (e: unknown) => e,
    )) as AmbiguousVersionError;
    // Assess
    expect(v.label).toBe(id);
    expect(text(await v.read())).toContain('"stack": "organization/shop/prod"');
    expect(sharing.length).toBeGreaterThan(1);
    expect(ambiguous).toBeInstanceOf(AmbiguousVersionError);
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.message).toContain("ambiguous: candidates");
    expect(ambiguous.candidates.sort()).toEqual([...sharing].sort());
  });

  it("resolves an object version id of the current state", async () => {
    const { store, prod } = home();
    const first = (await store.listObjectVersions("shop", "prod", { limit: 1 })).versions[0]!;
    store.put("app/shop/prod.json", '{"version":3,"checkpoint":{"latest":{}}}');
    const v = await resolveVersion(store, "shop", "prod", first.versionId);
    expect(v).toMatchObject({ label: first.versionId, objectVersionId: first.versionId });
    expect(text(await v.read())).toBe(prod.current);
  });

  it("says how many versions exist when a selector matches none", async () => {
    const { store } = home();
    const tooFar = await resolveVersion(store, "shop", "prod", "~4").catch((e: unknown) => e);
    expect(tooFar).toBeInstanceOf(VersionNotFoundError);
    expect((tooFar as Error).message).toContain("4 versions (~0 … ~3)");
    await expect(resolveVersion(store, "shop", "prod", makeUpdateId(Date.UTC(2020, 0, 1)))).rejects.toThrow(/no snapshot or history entry.*4 versions/);
    await expect(resolveVersion(store, "shop", "prod", "not-a-version")).rejects.toThrow(/4 versions/);
    await expect(resolveVersion(store, "shop", "prod", "~one")).rejects.toBeInstanceOf(VersionNotFoundError);
  });

  it("uses the versions it is given instead of listing again", async () => {
    const { store } = home();
    const versions = await store.listVersions("shop", "prod");
    let listed = 0;
    const counting = { ...store, listVersions: async (a: string, s: string) => (listed++, store.listVersions(a, s)) };
    await resolveVersion(counting, "shop", "prod", "previous", versions);
    await resolveVersion(counting, "shop", "prod", "~3", versions);
    expect(listed).toBe(0);
  });
});

describe("version model", () => {
  it("treats a plain current file equal to a gzip newest snapshot as one version", async () => {
    const id = makeUpdateId(Date.UTC(2026, 0, 1), () => 0.1);
    const json = '{"version":3,"checkpoint":{"stack":"organization/a/s","latest":{"resources":[]}}}';
    const store = createMemoryStateStore([
      { key: `snapshot/a/s/${id}.json`, body: new Uint8Array(gzipSync(json)) },
      { key: "app/a/s.json", body: json },
    ]);
    const versions = await store.listVersions("a", "s");
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ id, kind: "snapshot", isCurrent: true });
  });

  it("tells same-size different contents apart", async () => {
    const files = new Map([
      ["a", new TextEncoder().encode('{"x":1}')],
      ["b", new TextEncoder().encode('{"x":2}')],
    ]);
    const io = { head: async (k: string, n: number) => files.get(k)!.subarray(0, n), read: async (k: string) => files.get(k)! };
    expect(await sameStoredContent({ key: "a", size: 7 }, { key: "b", size: 7 }, io)).toBe(false);
    expect(await sameStoredContent({ key: "a", size: 7 }, { key: "a", size: 7 }, io)).toBe(true);
    expect(await sameStoredContent({ key: "a", size: 7, etag: '"e1"' }, { key: "b", size: 7, etag: "e1" }, io)).toBe(true);
  });
});

describe("cut-off gzip state", () => {
  it("reaches the parser as a truncated state instead of failing inside the store", async () => {
    // Prepare: a gzip current state cut off mid-stream (a failed write), next to a good snapshot
    const id = makeUpdateId(Date.UTC(2026, 0, 1), () => 0.1);
    const json = '{"version":3,"checkpoint":{"stack":"organization/a/s","latest":{"resources":[]}}}';
    const gz = new Uint8Array(gzipSync(json));
    const store = createMemoryStateStore([
      { key: `snapshot/a/s/${id}.json`, body: gz },
      { key: "app/a/s.json", body: gz.subarray(0, gz.length - 10) },
    ]);
    // Act
    const current = await store.readCurrent("a", "s").then((c) => c.bytes);
    const latest = await resolveVersion(store, "a", "s", "latest");
    const parsed = (() => {
      try {
        return parseCheckpoint(current, "a/s");
      } catch (e) {
        return e;
      }
    })();
    // Assess
    expect(parsed).toBeInstanceOf(StateParseError);
    expect(parsed).toMatchObject({ problem: "truncated" });
    expect(latest.label).toBe("current");
    await expect(latest.read().then((b) => parseCheckpoint(b))).rejects.toMatchObject({ problem: "truncated" });
  });
});

describe("history --all", () => {
  it("pages object versions without downloading the current state", async () => {
    // Prepare
    const { store } = home();
    let currentReads = 0;
    const counting = { ...store, readCurrent: (a: string, s: string) => (currentReads++, store.readCurrent(a, s)) };
    const clock = { now: () => Date.UTC(2026, 0, 20) };
    // Act
    const report = await getHistory({ store: counting, clock }, "shop", "prod", { all: true, limit: 2 });
    const unknown = await getHistory({ store: counting, clock }, "shop", "nope", { all: true, limit: 2 }).catch((e: unknown) => e);
    // Assess
    expect(report.objectVersions?.length).toBeGreaterThan(0);
    expect(report.versions.length).toBe(2);
    expect(currentReads).toBe(0);
    expect(unknown).toMatchObject({ code: "stage-not-found" });
  });
});

describe("a cut-off update record or lock", () => {
  it("is reported as a bad state file naming its key, not as an internal error", async () => {
    // Prepare: the newest update record was cut off while it was written, and the lock is empty
    const { store, prod } = home();
    const key = `update/shop/prod/${prod.updateIds[0]}.json`;
    store.put(key, '{"id":"' + prod.updateIds[0] + '","command":"dep');
    store.put("lock/shop/prod.json", "");
    const clock = { now: () => Date.UTC(2026, 0, 20) };
    // Act
    const err = await getStatus({ store, clock }, "shop", "prod").catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(StateParseError);
    expect((err as Error).message).toMatch(/lock\/shop\/prod\.json|update\/shop\/prod\//);
  });
});

describe("legacy history (SST ≤ v3.2.47)", () => {
  it("reads the time from the 20 digits (MaxInt64 − unix seconds) and the id from the cuid2", () => {
    // Prepare: SST pushed at 2024-05-29T16:26:40Z = unix 1717000000
    const key = "history/shop/prod/09223372035137775807-tz4a98xxat96iws9zmbrgj3a.json";
    // Act
    const legacy = legacyHistoryOfKey(key);
    // Assess
    expect(legacy).toEqual({ id: "tz4a98xxat96iws9zmbrgj3a", ms: 1_717_000_000_000 });
    expect(legacyHistoryDigits(1_717_000_000_999)).toBe("09223372035137775807");
    expect(legacyHistoryOfKey("history/shop/prod/1234-tz4a98xxat96iws9zmbrgj3a.json")).toBeUndefined();
    expect(legacyHistoryOfKey("history/shop/prod/09223372035137775807-Not_A_Cuid.json")).toBeUndefined();
  });

  it("joins an interrupted update that started after the newest legacy entry to the current state", async () => {
    // Prepare: one legacy push, then a v3.2.48+ update that never finished
    const pushed = Date.UTC(2024, 9, 1, 10, 0, 0);
    const started = pushed + 3_600_000;
    const legacyKey = stateKeys.history("shop", "prod", "tz4a98xxat96iws9zmbrgj3a", legacyHistoryDigits(pushed));
    const pending = makeUpdateId(started);
    const store = createMemoryStateStore([
      { key: legacyKey, body: '{"version":3,"checkpoint":{"stack":"organization/shop/prod","latest":{"resources":[]}}}' },
      { key: stateKeys.update("shop", "prod", pending), body: JSON.stringify({ id: pending, command: "deploy", timeStarted: new Date(started).toISOString() }) },
      { key: stateKeys.app("shop", "prod"), body: '{"version":3,"checkpoint":{"stack":"organization/shop/prod","latest":{"resources":[],"pending_operations":[]}}}' },
    ]);
    // Act
    const versions = await store.listVersions("shop", "prod");
    // Assess
    expect(versions.map((v) => [v.id, v.kind, v.updateId])).toEqual([
      ["current", "current", pending],
      ["tz4a98xxat96iws9zmbrgj3a", "history", "tz4a98xxat96iws9zmbrgj3a"],
    ]);
    expect(versions[1]!.time).toBe(new Date(pushed).toISOString());
  });
});
