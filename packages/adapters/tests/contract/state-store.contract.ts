/**
 * The StateStore contract (core/ports.ts): the memory store, the local home and the S3 home all
 * run this suite over the same generated SST home (core/state/generate-home.ts):
 * - shop/prod: 4 deploys, the last one recorded an error; current = newest snapshot;
 * - shop/staging: 3 deploys, the last one interrupted (pending operations, SST's lock left behind);
 * - shop/dev: 2 deploys; blog/prod: 2 deploys;
 * - zipped/prod: every object gzip (SST v4.13+ `state.compress`);
 * - old/prod: SST ≤ v3.2.47 legacy `history/` entries for the older half of the deploys, gzip;
 * - `secret/<app>/<stage>.json` everywhere: binary junk that must never be read.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  AppNotFoundError,
  SstLockHeldError,
  StageNotFoundError,
  StateChangedError,
} from "@sst-state/core/errors";
import type { StateStore, StateVersion } from "@sst-state/core/ports";
import { generateHome, type GeneratedStage, type HomeFile } from "@sst-state/core/state/generate-home";
import { parseCheckpoint } from "@sst-state/core/state/parse";
import { makeUpdateId } from "@sst-state/core/state/update-id";
import { resolveVersion } from "@sst-state/core/state/versions";

export interface StateStoreUnderTest {
  store: StateStore;
  /** write files into the home behind the store's back (as SST would) */
  seed(files: HomeFile[]): Promise<void>;
  cleanup(): Promise<void>;
  /** keys / prefixes (relative to the home) the store has touched since it was made */
  accessed?: () => string[];
}

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

function fixture() {
  const shop = generateHome({
    app: "shop",
    seed: 11,
    now: NOW,
    eventlog: false,
    stages: [
      { name: "prod", resources: 30, deploys: 4, errors: true },
      { name: "staging", resources: 24, deploys: 3, interrupted: true },
      { name: "dev", resources: 12, deploys: 2 },
    ],
  });
  const blog = generateHome({ app: "blog", seed: 12, now: NOW, eventlog: false, stages: [{ name: "prod", resources: 10, deploys: 2 }] });
  const zipped = generateHome({ app: "zipped", seed: 13, now: NOW, eventlog: false, compress: true, stages: [{ name: "prod", resources: 16, deploys: 3 }] });
  const old = generateHome({ app: "old", seed: 14, now: NOW, eventlog: false, legacyHistory: true, compress: true, stages: [{ name: "prod", resources: 10, deploys: 4 }] });
  const stage = (g: { stages: GeneratedStage[] }, name: string) => g.stages.find((s) => s.name === name)!;
  return {
    files: [...shop.files, ...blog.files, ...zipped.files, ...old.files],
    prod: stage(shop, "prod"),
    staging: stage(shop, "staging"),
    zipped: stage(zipped, "prod"),
    old: stage(old, "prod"),
  };
}

export interface ContractOptions {
  /**
   * Recognises a current state that is no snapshot, listed as its own version on top. Default:
   * SST's homes list it as `current`. A git home lists the commit that wrote it (its short sha)
   * or, while not committed, `uncommitted`.
   */
  isOwnVersion?: (v: StateVersion) => boolean;
}

const sstOwnVersion = (v: StateVersion) => v.id === "current" && v.kind === "current";

export function stateStoreContract(name: string, make: () => Promise<StateStoreUnderTest>, opts: ContractOptions = {}): void {
  const isOwnVersion = opts.isOwnVersion ?? sstOwnVersion;
  describe(`StateStore contract: ${name}`, () => {
    // Read-only tests share one seeded home (seeding a real server is the slow part); tests that
    // write get a fresh home with only shop/prod and shop/staging.
    let shared: Promise<StateStoreUnderTest & { fx: ReturnType<typeof fixture> }> | undefined;
    async function setup() {
      shared ??= (async () => {
        const sut = await make();
        const fx = fixture();
        await sut.seed(fx.files);
        return { ...sut, fx };
      })();
      return { ...(await shared), cleanup: async () => {} };
    }
    async function setupForWrites() {
      const sut = await make();
      const fx = fixture();
      await sut.seed(fx.files.filter((f) => /^[a-z]+\/shop\/(prod|staging)(\.json|\/)/.test(f.key)));
      return { ...sut, fx };
    }
    afterAll(async () => {
      if (shared) await (await shared).cleanup();
    });

    it("lists apps and stages", async () => {
      const { store, cleanup } = await setup();
      try {
        expect(await store.listApps()).toEqual(["blog", "old", "shop", "zipped"]);
        expect(await store.listStages("shop")).toEqual(["dev", "prod", "staging"]);
        expect(await store.listStages("blog")).toEqual(["prod"]);
      } finally {
        await cleanup();
      }
    });

    it("names what exists when the app or the stage is unknown", async () => {
      const { store, cleanup } = await setup();
      try {
        await expect(store.listStages("shpo")).rejects.toBeInstanceOf(AppNotFoundError);
        await expect(store.readCurrent("shpo", "prod")).rejects.toMatchObject({ code: "app-not-found", known: ["blog", "old", "shop", "zipped"] });
        const err = await store.readCurrent("shop", "prdo").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StageNotFoundError);
        expect(err).toMatchObject({ known: ["dev", "prod", "staging"] });
        expect((err as StageNotFoundError).hint).toContain("dev, prod, staging");
        await expect(store.listVersions("shop", "prdo")).rejects.toBeInstanceOf(StageNotFoundError);
      } finally {
        await cleanup();
      }
    });

    it("reads the current state, plain and gzip, with a token", async () => {
      const { store, fx, cleanup } = await setup();
      try {
        const plain = await store.readCurrent("shop", "prod");
        const zipped = await store.readCurrent("zipped", "prod");
        expect(text(plain.bytes)).toBe(fx.prod.current);
        expect(text(zipped.bytes)).toBe(fx.zipped.current);
        expect(parseCheckpoint(zipped.bytes).stack).toBe("organization/zipped/prod");
        expect(plain.token).not.toBe("");
        expect(plain.token).not.toBe(zipped.token);
        expect(Number.isNaN(Date.parse(plain.time))).toBe(false);
      } finally {
        await cleanup();
      }
    });

    it("lists versions newest first, one per deploy, with previous = the deploy before the current state", async () => {
      const { store, fx, cleanup } = await setup();
      try {
        const versions = await store.listVersions("shop", "prod");
        expect(versions.map((v) => v.id)).toEqual(fx.prod.snapshotIds);
        expect(versions.map((v) => v.kind)).toEqual(["snapshot", "snapshot", "snapshot", "snapshot"]);
        expect(versions.map((v) => v.isCurrent)).toEqual([true, false, false, false]);
        expect([...versions.map((v) => v.time)].sort().reverse()).toEqual(versions.map((v) => v.time));
        expect(text(await store.readVersion("shop", "prod", versions[0]!))).toBe(fx.prod.current);
        const previous = await resolveVersion(store, "shop", "prod", "previous", versions);
        expect(previous.label).toBe(fx.prod.snapshotIds[1]);
        expect(parseCheckpoint(await previous.read()).stack).toBe("organization/shop/prod");
        expect(text(await previous.read())).not.toBe(fx.prod.current);
        // gzip snapshots read back as JSON too, and the current one is recognised as a snapshot
        const zv = await store.listVersions("zipped", "prod");
        expect(zv.map((v) => v.id)).toEqual(fx.zipped.snapshotIds);
        expect(zv[0]!.isCurrent).toBe(true);
        expect(parseCheckpoint(await store.readVersion("zipped", "prod", zv[2]!)).resources.length).toBeGreaterThan(0);
      } finally {
        await cleanup();
      }
    });

    it("lists legacy history entries (cuid2 names, time from the 20 digits) with the snapshots, readable by id", async () => {
      const { store, fx, cleanup } = await setup();
      try {
        // Act
        const versions = await store.listVersions("old", "prod");
        // Assess: newest first across both kinds; each legacy entry's time is the second in its name
        expect(versions.map((v) => v.id)).toEqual(fx.old.snapshotIds);
        expect(versions.map((v) => v.kind)).toEqual(["snapshot", "snapshot", "history", "history"]);
        const times = versions.map((v) => Date.parse(v.time));
        expect([...times].sort((a, b) => b - a)).toEqual(times);
        for (const v of versions.filter((x) => x.kind === "history")) {
          expect(v.id).toMatch(/^[a-z][0-9a-z]{23}$/);
          const digits = /(\d{20})-/.exec(v.location)![1]!;
          expect(Date.parse(v.time)).toBe(Number(9223372036854775807n - BigInt(digits)) * 1000);
          // joined to its legacy summary (`updateID` → id): who ran what, and when it ended
          expect(v.update).toMatchObject({ id: v.id, command: "deploy", version: "3.2.47", errors: [] });
          expect(Date.parse(v.update!.timeCompleted!)).toBe(Date.parse(v.time));
        }
        expect(parseCheckpoint(await store.readVersion("old", "prod", versions[3]!)).stack).toBe("organization/old/prod");
        const byId = await resolveVersion(store, "old", "prod", versions[2]!.id);
        expect(byId.version?.kind).toBe("history");
        expect(text(await byId.read())).toBe(text(await store.readVersion("old", "prod", versions[2]!)));
      } finally {
        await cleanup();
      }
    });

    it("shows an interrupted deploy as its own current version, joined to its unfinished update", async () => {
      const { store, fx, cleanup } = await setup();
      try {
        const versions = await store.listVersions("shop", "staging");
        const [current, newest] = versions;
        expect(versions.slice(1).map((v) => v.id)).toEqual(fx.staging.snapshotIds);
        expect(isOwnVersion(current!)).toBe(true);
        expect(current).toMatchObject({ isCurrent: true, updateId: fx.staging.currentUpdateId });
        expect(current!.update?.id).toBe(fx.staging.currentUpdateId);
        expect(current!.update?.timeCompleted).toBeUndefined();
        expect(newest!.isCurrent).toBe(false);
        const cp = parseCheckpoint(await store.readVersion("shop", "staging", current!));
        expect(cp.pendingOperations.map((p) => p.type)).toEqual(["creating"]);
        const previous = await resolveVersion(store, "shop", "staging", "previous", versions);
        expect(previous.label).toBe(fx.staging.snapshotIds[0]);
      } finally {
        await cleanup();
      }
    });

    it("joins update records to versions and lists them newest first", async () => {
      const { store, fx, cleanup } = await setup();
      try {
        const versions = await store.listVersions("shop", "prod");
        for (const v of versions) expect(v.update?.id).toBe(v.id);
        expect(versions[0]!.update?.errors).toHaveLength(1);
        expect(versions[0]!.update?.errors?.[0]?.message).toContain("already exists");
        expect(versions[0]!.update?.timeCompleted).toBeTruthy();
        expect(versions[1]!.update?.errors).toEqual([]);
        const updates = await store.listUpdates("shop", "prod", 2);
        expect(updates.map((u) => u.id)).toEqual(fx.prod.updateIds.slice(0, 2));
        expect(await store.readUpdate("shop", "prod", "ffffffffffff000000000000")).toBeNull();
      } finally {
        await cleanup();
      }
    });

    it("reads SST's lock, and null where there is none", async () => {
      const { store, fx, cleanup } = await setup();
      try {
        const lock = await store.readSstLock("shop", "staging");
        expect(lock).toMatchObject({ updateID: fx.staging.lockUpdateId, command: "deploy", ignore: true });
        expect(Number.isNaN(Date.parse(lock!.created))).toBe(false);
        expect(await store.readSstLock("shop", "prod")).toBeNull();
      } finally {
        await cleanup();
      }
    });

    it("refuses writeCurrent with a stale token and writes nothing", async () => {
      const { store, seed, cleanup } = await setupForWrites();
      try {
        const seen = await store.readCurrent("shop", "prod");
        const before = await store.listVersions("shop", "prod");
        const pushed = JSON.stringify({ version: 3, checkpoint: { stack: "organization/shop/prod", latest: { resources: [] } } });
        await seed([{ key: "app/shop/prod.json", body: pushed }]); // SST pushes in the meantime
        const err = await store.writeCurrent("shop", "prod", bytes("{}"), seen.token).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StateChangedError);
        expect(text((await store.readCurrent("shop", "prod")).bytes)).toBe(pushed);
        const after = await store.listVersions("shop", "prod");
        expect(after.slice(1).map((v) => v.id)).toEqual(before.map((v) => v.id));
        expect(isOwnVersion(after[0]!)).toBe(true);
      } finally {
        await cleanup();
      }
    });

    it("writes a new current state and keeps every earlier version readable", async () => {
      const { store, fx, cleanup } = await setupForWrites();
      try {
        const before = await store.listVersions("shop", "prod");
        const contents = await Promise.all(before.map((v) => store.readVersion("shop", "prod", v)));
        const cur = await store.readCurrent("shop", "prod");
        const target = contents[2]!;
        const written = await store.writeCurrent("shop", "prod", target, cur.token);
        expect(text(written.bytes)).toBe(text(target));
        const now = await store.readCurrent("shop", "prod");
        expect(text(now.bytes)).toBe(text(target));
        expect(now.token).toBe(written.token);
        expect(now.token).not.toBe(cur.token);
        const after = await store.listVersions("shop", "prod");
        expect(after[0]).toMatchObject({ isCurrent: true });
        expect(isOwnVersion(after[0]!)).toBe(true);
        expect(before.map((v) => v.id)).not.toContain(after[0]!.id);
        for (const [i, v] of before.entries()) {
          const still = after.find((x) => x.id === v.id);
          expect(still).toBeDefined();
          expect(text(await store.readVersion("shop", "prod", still!))).toBe(text(contents[i]!));
        }
        const previous = await resolveVersion(store, "shop", "prod", "previous", after);
        expect(text(await previous.read())).toBe(fx.prod.current);
        // a second write with the old token is refused
        await expect(store.writeCurrent("shop", "prod", target, cur.token)).rejects.toBeInstanceOf(StateChangedError);
      } finally {
        await cleanup();
      }
    });

    it("creates a snapshot that lists as the newest version, and never replaces one", async () => {
      const { store, fx, cleanup } = await setupForWrites();
      try {
        // Prepare
        const versions = await store.listVersions("shop", "staging");
        const good = await store.readVersion("shop", "staging", versions[1]!);
        const id = makeUpdateId(NOW + 60_000, () => 0.25);
        // Act
        await store.writeSnapshot("shop", "staging", id, good);
        const again = await store.writeSnapshot("shop", "staging", id, bytes("{}")).catch((e: unknown) => e);
        // Assess
        expect(again).toBeInstanceOf(StateChangedError);
        const after = await store.listVersions("shop", "staging");
        expect(isOwnVersion(after[0]!)).toBe(true);
        expect(after.slice(1).map((v) => v.id)).toEqual([id, ...fx.staging.snapshotIds]);
        expect(text(await store.readVersion("shop", "staging", after[1]!))).toBe(text(good));
        expect(text((await store.readCurrent("shop", "staging")).bytes)).toBe(fx.staging.current);
      } finally {
        await cleanup();
      }
    });

    it("writes an update record that reads back and lists as the newest", async () => {
      const { store, fx, cleanup } = await setupForWrites();
      try {
        const record = { id: makeUpdateId(NOW + 86_400_000, () => 0.5), command: "sst-state restore", errors: [], timeStarted: "2026-03-02T00:00:00.000Z" };
        await store.writeUpdate("shop", "prod", record);
        expect(await store.readUpdate("shop", "prod", record.id)).toEqual(record);
        expect((await store.listUpdates("shop", "prod", 2)).map((u) => u.id)).toEqual([record.id, fx.prod.updateIds[0]]);
      } finally {
        await cleanup();
      }
    });

    it("creates SST's lock once, refuses a second, and deletes only its own", async () => {
      const { store, fx, cleanup } = await setupForWrites();
      try {
        const lock = { created: "2026-03-01T12:00:00.000Z", updateID: "fffffe6a1c0d6a0123456789", runID: "r1", command: "sst-state restore", ignore: true };
        await store.putSstLock("shop", "prod", lock);
        expect(await store.readSstLock("shop", "prod")).toEqual(lock);
        const second = await store.putSstLock("shop", "prod", { ...lock, updateID: "fffffe6a1c0d6a9999999999" }).catch((e: unknown) => e);
        expect(second).toBeInstanceOf(SstLockHeldError);
        expect((second as Error).message).toContain(lock.updateID);
        await expect(store.putSstLock("shop", "staging", lock)).rejects.toThrow(fx.staging.lockUpdateId!);
        await expect(store.deleteSstLock("shop", "prod", "fffffe6a1c0d6a9999999999")).rejects.toBeInstanceOf(SstLockHeldError);
        expect((await store.readSstLock("shop", "prod"))?.updateID).toBe(lock.updateID);
        await store.deleteSstLock("shop", "prod", lock.updateID);
        expect(await store.readSstLock("shop", "prod")).toBeNull();
        await store.putSstLock("shop", "prod", lock); // free again
        expect((await store.readSstLock("shop", "prod"))?.updateID).toBe(lock.updateID);
      } finally {
        await cleanup();
      }
    });

    it("never reads secret/ (binary junk there breaks nothing)", async () => {
      const { store, accessed, cleanup } = await setup();
      try {
        for (const app of await store.listApps()) {
          for (const stage of await store.listStages(app)) {
            await store.readCurrent(app, stage);
            const versions: StateVersion[] = await store.listVersions(app, stage);
            for (const v of versions) await store.readVersion(app, stage, v);
            await store.readSstLock(app, stage);
            await store.listUpdates(app, stage, 10);
            await store.listObjectVersions(app, stage, { limit: 10 });
          }
        }
        const touched = accessed?.() ?? [];
        expect(touched.length).toBeGreaterThan(0);
        expect(touched.filter((k) => k.startsWith("secret") || k === "" || k === "/")).toEqual([]);
      } finally {
        await cleanup();
      }
    });
  });
}
