/**
 * In-memory StateStore over SST's key layout (DESIGN §2), for tests of everything above the port
 * (the Slack bot, restore, diff). It behaves like a versioned S3 bucket: every put keeps the replaced
 * body as an older object version, deletes leave a delete marker, nothing is ever lost; versions,
 * gzip sniffing and conditional writes follow the same rules as the local and S3 stores.
 *
 * Extras for tests: `put`/`remove`/`get` to change the home behind the store's back, and `readKeys`,
 * every key the store has read (to prove `secret/` is never read).
 */
import { createHash } from "node:crypto";
import { AppNotFoundError, SstLockHeldError, StageNotFoundError, StateChangedError, VersionNotFoundError } from "@sst-state/core/errors";
import { systemClock, type Clock, type CurrentState, type ObjectVersion, type StateStore, type StateVersion } from "@sst-state/core/ports";
import type { SstLock, UpdateRecord } from "@sst-state/core/state/types";
import { assembleVersions, decodeStored, describeSstLock, parseSmallJson, sameStoredContent, snapshotExists, stateKeys, summaryToUpdate, updateIdOfKey, type StoredObject } from "@sst-state/core/state/versions";

export interface HomeFileLike {
  key: string;
  body: string | Uint8Array;
}

interface MemVersion {
  versionId: string;
  /** null for a delete marker */
  body: Uint8Array | null;
  time: number;
}

export interface MemoryStateStore extends StateStore {
  /** Put a body at a key (a new object version), as SST or a person would. */
  put(key: string, body: string | Uint8Array): void;
  /** Delete a key (leaves a delete marker, like a versioned bucket). */
  remove(key: string): void;
  /** The current stored body of a key (not recorded in `readKeys`). */
  get(key: string): Uint8Array | undefined;
  /** Keys that currently exist. */
  keys(): string[];
  /** Every key read through the port, in order. */
  readonly readKeys: string[];
}

const enc = new TextEncoder();
const toBytes = (b: string | Uint8Array) => (typeof b === "string" ? enc.encode(b) : new Uint8Array(b));
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export function createMemoryStateStore(
  files: HomeFileLike[] = [],
  opts: { clock?: Clock; /** what `home` reports (default "local"); the behaviour is the same */ home?: "local" | "aws" } = {},
): MemoryStateStore {
  const clock = opts.clock ?? systemClock;
  const objects = new Map<string, MemVersion[]>();
  const readKeys: string[] = [];
  let counter = 0;
  const location = "memory home";

  const put = (key: string, body: string | Uint8Array): MemVersion => {
    const v: MemVersion = { versionId: `mem.${(++counter).toString().padStart(8, "0")}`, body: toBytes(body), time: clock.now() };
    const list = objects.get(key);
    if (list) list.push(v);
    else objects.set(key, [v]);
    return v;
  };
  const latest = (key: string): MemVersion | undefined => {
    const v = objects.get(key)?.at(-1);
    return v && v.body ? v : undefined;
  };
  const read = (key: string): Uint8Array | null => {
    readKeys.push(key);
    return latest(key)?.body ?? null;
  };
  const stored = (key: string): StoredObject | null => {
    const v = latest(key);
    return v && v.body ? { key, size: v.body.length, time: new Date(v.time).toISOString() } : null;
  };
  const list = (prefix: string): StoredObject[] =>
    [...objects.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort()
      .map(stored)
      .filter((o): o is StoredObject => o !== null);

  for (const f of files) put(f.key, f.body);

  const apps = (): string[] => {
    const out = new Set<string>();
    for (const o of list("app/")) {
      const m = /^app\/([^/]+)\/[^/]+\.json$/.exec(o.key);
      if (m) out.add(m[1]!);
    }
    return [...out].sort();
  };
  const stages = (app: string): string[] =>
    list(`app/${app}/`)
      .map((o) => /^app\/[^/]+\/([^/]+)\.json$/.exec(o.key)?.[1])
      .filter((s): s is string => !!s)
      .sort();
  const notFound = (app: string, stage: string): Error => {
    const known = stages(app);
    return known.length ? new StageNotFoundError(app, stage, known, location) : new AppNotFoundError(app, apps(), location);
  };
  const io = {
    head: async (key: string, n: number) => read(key)?.subarray(0, n) ?? null,
    read: async (key: string) => read(key),
  };

  const store: MemoryStateStore = {
    home: opts.home ?? "local",
    location,
    readKeys,
    put: (key, body) => void put(key, body),
    remove(key) {
      if (latest(key)) objects.get(key)!.push({ versionId: `mem.${(++counter).toString().padStart(8, "0")}`, body: null, time: clock.now() });
    },
    get: (key) => latest(key)?.body ?? undefined,
    keys: () => [...objects.keys()].filter((k) => latest(k)).sort(),

    async listApps() {
      return apps();
    },
    async listStages(app) {
      const s = stages(app);
      if (!s.length) throw new AppNotFoundError(app, apps(), location);
      return s;
    },
    async readCurrent(app, stage) {
      const key = stateKeys.app(app, stage);
      const raw = read(key);
      const v = latest(key);
      if (!raw || !v) throw notFound(app, stage);
      return { bytes: decodeStored(raw), token: sha256(raw), versionId: v.versionId, time: new Date(v.time).toISOString() };
    },
    async listVersions(app, stage, opts) {
      const current = stored(stateKeys.app(app, stage));
      const snapshots = list(stateKeys.snapshotPrefix(app, stage));
      const history = list(stateKeys.historyPrefix(app, stage));
      const summaries = history.length ? list(stateKeys.summaryPrefix(app, stage)) : [];
      if (!current && !snapshots.length && !history.length) throw notFound(app, stage);
      return assembleVersions({
        current,
        snapshots,
        history,
        updateIds: list(stateKeys.updatePrefix(app, stage)).map((o) => updateIdOfKey(o.key)).filter((x): x is string => !!x),
        readUpdate: (id) => store.readUpdate(app, stage, id),
        summaries,
        readSummary: async (key) => {
          const raw = read(key);
          return raw ? summaryToUpdate(parseSmallJson<Record<string, unknown>>(raw, key), key) : null;
        },
        same: (a, b) => sameStoredContent(a, b, io),
        ...(opts?.records !== undefined ? { records: opts.records } : {}),
        location: (k) => k,
      });
    },
    async readVersion(app, stage, version: StateVersion) {
      const key = version.kind === "current" ? stateKeys.app(app, stage) : version.location;
      const raw = read(key);
      if (!raw) throw new VersionNotFoundError(version.id, `${key} no longer exists in ${location}.`);
      return decodeStored(raw);
    },
    async listObjectVersions(app, stage, page) {
      const all = [...(objects.get(stateKeys.app(app, stage)) ?? [])].reverse();
      const start = page.cursor ? Number(page.cursor) : 0;
      const slice = all.slice(start, start + Math.max(1, page.limit));
      const versions: ObjectVersion[] = slice.map((v, i) => ({
        versionId: v.versionId,
        time: new Date(v.time).toISOString(),
        size: v.body?.length ?? 0,
        isLatest: start + i === 0,
        deleteMarker: v.body === null,
      }));
      const end = start + slice.length;
      return end < all.length ? { versions, cursor: String(end) } : { versions };
    },
    async readObjectVersion(app, stage, versionId) {
      const key = stateKeys.app(app, stage);
      readKeys.push(key);
      const v = objects.get(key)?.find((x) => x.versionId === versionId);
      if (!v) throw new VersionNotFoundError(versionId, `no object version of ${key} has that id.`);
      if (!v.body) throw new VersionNotFoundError(versionId, `that object version of ${key} is a delete marker.`);
      return decodeStored(v.body);
    },
    async readSstLock(app, stage) {
      const raw = read(stateKeys.lock(app, stage));
      return raw ? parseSmallJson<SstLock>(raw, stateKeys.lock(app, stage)) : null;
    },
    async readUpdate(app, stage, updateId) {
      const raw = read(stateKeys.update(app, stage, updateId));
      return raw ? parseSmallJson<UpdateRecord>(raw, stateKeys.update(app, stage, updateId)) : null;
    },
    async listUpdates(app, stage, limit) {
      const keys = list(stateKeys.updatePrefix(app, stage)).filter((o) => updateIdOfKey(o.key)).slice(0, Math.max(0, limit));
      const out: UpdateRecord[] = [];
      for (const o of keys) {
        const raw = read(o.key);
        if (raw) out.push(parseSmallJson<UpdateRecord>(raw, o.key));
      }
      return out;
    },

    async writeCurrent(app, stage, bytes, expectToken): Promise<CurrentState> {
      const key = stateKeys.app(app, stage);
      const raw = read(key);
      if (!raw) throw notFound(app, stage);
      if (sha256(raw) !== expectToken) {
        throw new StateChangedError(`The current state of ${app}/${stage} changed since it was read; nothing was written.`);
      }
      // the replaced body stays as an older object version of the key
      const v = put(key, bytes);
      return { bytes: decodeStored(v.body!), token: sha256(v.body!), versionId: v.versionId, time: new Date(v.time).toISOString() };
    },
    async putSstLock(app, stage, lock) {
      const key = stateKeys.lock(app, stage);
      const raw = read(key);
      if (raw) throw new SstLockHeldError(app, stage, describeSstLock(parseSmallJson<SstLock>(raw, key)));
      put(key, JSON.stringify(lock));
    },
    async deleteSstLock(app, stage, updateID) {
      const key = stateKeys.lock(app, stage);
      const raw = read(key);
      if (!raw) return;
      const lock = parseSmallJson<SstLock>(raw, key);
      if (lock.updateID !== updateID) throw new SstLockHeldError(app, stage, `${describeSstLock(lock)}, not ours (${updateID}); left in place`);
      store.remove(key);
    },
    async writeSnapshot(app, stage, updateId, bytes) {
      const key = stateKeys.snapshot(app, stage, updateId);
      if (latest(key)) throw snapshotExists(key);
      put(key, bytes);
    },
    async writeUpdate(app, stage, record) {
      put(stateKeys.update(app, stage, record.id), JSON.stringify(record));
    },
  };
  return store;
}
