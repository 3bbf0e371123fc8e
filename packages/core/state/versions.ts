/**
 * State versions: the model every StateStore shares (DESIGN §2), and version selectors.
 *
 * A "version" is what a user thinks in: one per deploy. SST writes `snapshot/<app>/<stage>/<updateID>.json`
 * when an update ends (SST ≤ v3.2.47: `history/<app>/<stage>/<20 digits>-<cuid2>.json`, see
 * `legacyHistoryOfKey`), and keeps `app/<app>/<stage>.json` as the current state (re-pushed every few
 * seconds during a deploy).
 * - A version's time is when its update started (from the updateID); a legacy entry's is when SST
 *   pushed it (seconds, from its name). Versions of both kinds are sorted together by that time.
 * - When the current file holds the same bytes as the newest snapshot (after gunzip), they are ONE
 *   version: that snapshot, with `isCurrent: true`. `previous` is then the deploy before it.
 * - When they differ (an interrupted or running deploy, a manual copy, a restore), the current file
 *   is its own `current` version at the top, joined to the newest update record that has no
 *   snapshot yet (the interrupted update), and `previous` is the newest snapshot.
 * Only the newest snapshot is compared with the current file: that is the one it should equal.
 *
 * Pure: no I/O here except through the StateStore port or the callbacks the stores pass in.
 */
import { createRequire } from "node:module";
import { AmbiguousVersionError, AppNotFoundError, StageNotFoundError, StateChangedError, StateParseError, VersionNotFoundError } from "../errors.ts";
import type { StateStore, StateVersion } from "../ports.ts";
import type { UpdateRecord } from "./types.ts";
import { isLegacyCuid2, isUpdateId, updateIdTime } from "./update-id.ts";

// ---------------------------------------------------------------------------------------------
// keys (the same in the S3 bucket and under `<root>/state/` of the local home)

export const stateKeys = {
  app: (app: string, stage: string) => `app/${app}/${stage}.json`,
  snapshotPrefix: (app: string, stage: string) => `snapshot/${app}/${stage}/`,
  snapshot: (app: string, stage: string, updateId: string) => `snapshot/${app}/${stage}/${updateId}.json`,
  updatePrefix: (app: string, stage: string) => `update/${app}/${stage}/`,
  update: (app: string, stage: string, updateId: string) => `update/${app}/${stage}/${updateId}.json`,
  eventlog: (app: string, stage: string, updateId: string) => `eventlog/${app}/${stage}/${updateId}.json`,
  historyPrefix: (app: string, stage: string) => `history/${app}/${stage}/`,
  /** legacy (SST ≤ v3.2.47): `digits` from `legacyHistoryDigits`, `id` a cuid2 */
  history: (app: string, stage: string, id: string, digits: string) => `history/${app}/${stage}/${digits}-${id}.json`,
  /** legacy (SST ≤ v3.2.47, AWS home only): the record of a legacy history entry's update */
  summaryPrefix: (app: string, stage: string) => `summary/${app}/${stage}/`,
  summary: (app: string, stage: string, id: string) => `summary/${app}/${stage}/${id}.json`,
  lock: (app: string, stage: string) => `lock/${app}/${stage}.json`,
  /** only ever written by generators; stores never read it */
  secret: (app: string, stage: string) => `secret/${app}/${stage}.json`,
} as const;

const SNAPSHOT_NAME = /(?:^|\/)([0-9a-f]{24})\.json$/;

/** The updateID of a snapshot or update-record key (`…/<updateID>.json`), else undefined. */
export function updateIdOfKey(key: string): string | undefined {
  return SNAPSHOT_NAME.exec(key)?.[1];
}

// Legacy history (SST ≤ v3.2.47). SST's PushState wrote every pushed state twice, to `app/…` and to
//   prefix := fmt.Sprintf("%020d", math.MaxInt64-time.Now().Unix())
//   backend.putData("history", app, stage+"/"+prefix+"-"+updateID, …)
// (sst/sst v3.2.47, pkg/project/provider/provider.go lines 168-191; the local home writes it too,
// pkg/project/provider/local.go lines 35-53 and 81-83), so the key is
// `history/<app>/<stage>/<%020d of MaxInt64 − unix seconds>-<updateID>.json`. That updateID is a
// cuid2 (`cuid2.Generate()`, pkg/project/stack.go line 177; github.com/nrednav/cuid2 v1.0.0: a
// letter then base-36, 24 characters by default, `IsCuid` accepts `^[0-9a-z]+$` of length 2..32),
// not a hex updateID, so the time comes from the 20 digits, and in seconds. v3.2.48 replaced it with
// `snapshot/` (commit 0b68f1de0 "state: start to write new state structure").
const HISTORY_NAME = /(?:^|\/)(\d{20})-([0-9a-z]{2,32})\.json$/;
const LEGACY_ID = /^[0-9a-z]{2,32}$/;
const MAX_INT64 = 9223372036854775807n;

/** True for what can name a legacy history entry (a cuid2); hex updateIDs match too. */
export function isLegacyHistoryId(s: string): boolean {
  return LEGACY_ID.test(s);
}

/** A legacy history key's id and time (ms since the epoch, whole seconds), else undefined. */
export function legacyHistoryOfKey(key: string): { id: string; ms: number } | undefined {
  const m = HISTORY_NAME.exec(key);
  if (!m) return undefined;
  const seconds = MAX_INT64 - BigInt(m[1]!);
  if (seconds < 0n || seconds > 8_640_000_000_000n) return undefined;
  return { id: m[2]!, ms: Number(seconds) * 1000 };
}

// The update record of that era: PutSummary wrote `summary/<app>/<stage>/<cuid2>.json` (v3.2.47
// pkg/project/provider/provider.go lines 121-142, called from pkg/project/stack.go line 554 when an
// update ends) with {"version","updateID","command","timeStarted","timeCompleted","resource…",
// "errors":[{"urn","message"}]}; the local home skipped it (pkg/project/provider/local.go line 36).
const LEGACY_SUMMARY_NAME = /(?:^|\/)([0-9a-z]{2,32})\.json$/;

/** The cuid2 of a legacy summary key (`summary/…/<cuid2>.json`), else undefined. */
export function legacyIdOfSummaryKey(key: string): string | undefined {
  return LEGACY_SUMMARY_NAME.exec(key)?.[1];
}

/** A legacy summary as an update record (`updateID` → `id`), so `history` shows who ran what, when. */
export function summaryToUpdate(summary: Record<string, unknown>, key: string): UpdateRecord {
  const id = legacyIdOfSummaryKey(key) ?? key;
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const errors = Array.isArray(summary.errors) ? (summary.errors as { urn?: string; message: string }[]) : [];
  const record: UpdateRecord = { id: str(summary.updateID) ?? id, errors };
  const version = str(summary.version);
  const command = str(summary.command);
  const timeStarted = str(summary.timeStarted);
  const timeCompleted = str(summary.timeCompleted);
  return { ...record, ...(version ? { version } : {}), ...(command ? { command } : {}), ...(timeStarted ? { timeStarted } : {}), ...(timeCompleted ? { timeCompleted } : {}) };
}

/** The 20 digits SST put before a legacy history name for a push at `ms`: `%020d` of MaxInt64 − unix seconds. */
export function legacyHistoryDigits(ms: number): string {
  return (MAX_INT64 - BigInt(Math.floor(ms / 1000))).toString().padStart(20, "0");
}

// ---------------------------------------------------------------------------------------------
// gzip (SST v4.13+ `state.compress`): sniff the bytes, never trust the name

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

let requireHere: NodeJS.Require | undefined;
/**
 * zlib's gunzipSync, loaded by the first gzip state: node:zlib is ~4 ms of a start-up (measured,
 * Node 20), which `status` of a plain JSON state (a stage without `state.compress`) never needs.
 */
export function gunzip(bytes: Uint8Array): Buffer {
  requireHere ??= createRequire(import.meta.url);
  return (requireHere("node:zlib") as typeof import("node:zlib")).gunzipSync(bytes);
}

/**
 * The stored bytes, gunzipped when they are gzip. A gzip stream that does not decode (cut off by a
 * failed write, corrupt) is returned as stored: parseCheckpoint sniffs it again and reports it as a
 * "truncated"/"not-json" state with a hint, instead of a bare zlib error escaping from the store.
 */
export function decodeStored(bytes: Uint8Array): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return asBytes(gunzip(bytes));
  } catch {
    return bytes;
  }
}

/**
 * A Buffer as a plain Uint8Array over the same memory. Not `new Uint8Array(buffer)`: that copies
 * element by element, seconds for a 100 MB state.
 */
export function asBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  // native memcmp; a loop in JS takes a fraction of a second on 100 MB
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/**
 * The directory part every store shares: where it is, its apps and stages (`listStages` of an
 * unknown app answers with the apps that exist), and the "not found" error of a read of an unknown
 * stage, which names what does exist. A store spreads `directory` into itself.
 */
export function stageDirectory(location: string, listApps: () => Promise<string[]>, listStagesOf: (app: string) => Promise<string[]>) {
  const directory = {
    location,
    listApps,
    async listStages(app: string): Promise<string[]> {
      const stages = await listStagesOf(app);
      if (!stages.length) throw new AppNotFoundError(app, await listApps(), location);
      return stages;
    },
  };
  return {
    directory,
    async notFound(app: string, stage: string): Promise<Error> {
      const known = await listStagesOf(app);
      return known.length ? new StageNotFoundError(app, stage, known, location) : new AppNotFoundError(app, await listApps(), location);
    },
  };
}

/** The StateChangedError of a snapshot that exists already: snapshots are never replaced. */
export function snapshotExists(where: string): StateChangedError {
  return new StateChangedError(`${where} already exists; snapshots are never replaced, nothing was written.`, "Another process wrote a version with that updateID; look at `sst-state history <stage>` and try again.");
}

/** "update <id> (deploy) since <time>": for SstLockHeldError messages. */
export function describeSstLock(lock: { updateID?: unknown; command?: unknown; created?: unknown }): string {
  return `update ${String(lock.updateID)}${lock.command ? ` (${String(lock.command)})` : ""} since ${String(lock.created)}`;
}

/**
 * Parse a small JSON object (lock, update record) that may be gzip. A file that is empty, cut off
 * or not JSON is a StateParseError naming `source` (the key or path), not a bare SyntaxError.
 */
export function parseSmallJson<T>(bytes: Uint8Array, source?: string): T {
  const text = new TextDecoder().decode(decodeStored(bytes));
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    const msg = (e as Error).message;
    const problem = text.trim() === "" ? "empty" : /Unexpected end of JSON input|Unterminated/.test(msg) ? "truncated" : "not-json";
    throw new StateParseError(
      problem,
      problem === "empty" ? "the file is empty." : problem === "truncated" ? "the JSON ends early: the file was cut off while it was written." : "the file is not valid JSON.",
      { ...(source ? { source } : {}), hint: "SST wrote this file and it is damaged: check it, or remove a broken lock with `sst unlock`. Nothing was changed." },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// version assembly (shared by the memory, local and S3 stores)

/** An object as a store lists it. */
export interface StoredObject {
  key: string;
  /** size as stored (compressed when gzip) */
  size: number;
  /** ISO modification time, when known */
  time?: string;
  /** S3 ETag, when known (equal ETags = equal bytes) */
  etag?: string;
}

export interface ContentAccess {
  /** the first `n` stored bytes (to tell gzip from plain) */
  head(key: string, n: number): Promise<Uint8Array | null>;
  /** all stored bytes */
  read(key: string): Promise<Uint8Array | null>;
}

/**
 * True when two stored objects hold the same state. Cheap checks first: equal ETags; different
 * sizes with the same encoding (both gzip or both plain) means different. Only then the bytes
 * are compared (gunzipped when the encodings differ or the raw bytes do).
 */
export async function sameStoredContent(a: StoredObject, b: StoredObject, io: ContentAccess): Promise<boolean> {
  if (a.etag && b.etag && stripQuotes(a.etag) === stripQuotes(b.etag)) return true;
  if (a.size !== b.size) {
    const [ha, hb] = await Promise.all([io.head(a.key, 2), io.head(b.key, 2)]);
    if (!ha || !hb) return false;
    if (isGzip(ha) === isGzip(hb)) return false;
  }
  const [ra, rb] = await Promise.all([io.read(a.key), io.read(b.key)]);
  if (!ra || !rb) return false;
  if (bytesEqual(ra, rb)) return true;
  if (!isGzip(ra) && !isGzip(rb)) return false;
  return bytesEqual(decodeStored(ra), decodeStored(rb));
}

export function stripQuotes(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"|"$/g, "");
}

export interface VersionListInput {
  current: StoredObject | null;
  snapshots: StoredObject[];
  history: StoredObject[];
  /** updateIDs that have an update record */
  updateIds: string[];
  readUpdate(updateId: string): Promise<UpdateRecord | null>;
  /** legacy summary keys (`summary/<app>/<stage>/…`), joined to legacy history entries by cuid2 */
  summaries?: StoredObject[];
  readSummary?(key: string): Promise<UpdateRecord | null>;
  same(a: StoredObject, b: StoredObject): Promise<boolean>;
  /** read the update records of the first this many versions only (default: all) */
  records?: number;
  /** how a key is shown in `StateVersion.location` */
  location(key: string): string;
}

/** Run `fn` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Versions newest first, per the model in the file comment. */
export async function assembleVersions(input: VersionListInput): Promise<StateVersion[]> {
  const entries: { version: StateVersion; object: StoredObject }[] = [];
  const seen = new Set<string>();
  for (const o of input.snapshots) {
    const id = updateIdOfKey(o.key);
    if (!id || seen.has(id)) continue;
    seen.add(id);
    entries.push({ object: o, version: { id, kind: "snapshot", updateId: id, time: iso(updateIdTime(id)), isCurrent: false, location: input.location(o.key), size: o.size } });
  }
  for (const o of input.history) {
    const legacy = legacyHistoryOfKey(o.key);
    if (!legacy || seen.has(legacy.id)) continue;
    seen.add(legacy.id);
    const { id, ms } = legacy;
    entries.push({ object: o, version: { id, kind: "history", updateId: id, time: iso(ms), isCurrent: false, location: input.location(o.key), size: o.size } });
  }
  // newest first: by time, then by id (ascending updateID = newest first)
  entries.sort((a, b) => b.version.time.localeCompare(a.version.time) || a.version.id.localeCompare(b.version.id));

  const records = new Set(input.updateIds);
  const summaries = new Map((input.summaries ?? []).map((o) => [legacyIdOfSummaryKey(o.key), o.key] as const));
  // Update records are read for the first `input.records` versions of the list only: one GET each
  // on S3, and `history --limit 20` of a stage with 1,000 deploys needs 20 of them.
  const wanted = input.records ?? Infinity;
  const readRecords = (list: { version: StateVersion }[]) =>
    mapLimit(list, 16, async (e) => {
      const id = e.version.updateId;
      if (!id) return;
      const summary = e.version.kind === "history" ? summaries.get(id) : undefined;
      const u = records.has(id) ? await input.readUpdate(id) : summary && input.readSummary ? await input.readSummary(summary) : null;
      if (u) e.version.update = u;
    });

  const versions = entries.map((e) => e.version);
  const cur = input.current;
  const newest = entries[0];
  if (!cur || (newest && (await input.same(cur, newest.object)))) {
    if (cur) newest!.version.isCurrent = true;
    await readRecords(entries.slice(0, wanted));
    return versions;
  }
  // The current file is its own version: join it to the newest update that has no snapshot yet
  // and started after the newest snapshot (the interrupted or running update).
  const current: StateVersion = {
    id: "current",
    kind: "current",
    time: cur.time ?? new Date(0).toISOString(),
    isCurrent: true,
    location: input.location(cur.key),
    size: cur.size,
  };
  const newestMs = newest ? Date.parse(newest.version.time) : -Infinity;
  const newestId = newest?.version.updateId;
  const startedAfterNewest = (id: string) => (newestId && isUpdateId(newestId) ? id < newestId : updateIdTime(id) > newestMs);
  const pendingId = [...records].filter((id) => isUpdateId(id) && !seen.has(id) && startedAfterNewest(id)).sort()[0];
  if (pendingId) current.updateId = pendingId;
  await readRecords([{ version: current }, ...entries].slice(0, wanted));
  return [current, ...versions];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

// ---------------------------------------------------------------------------------------------
// selectors: latest, previous, ~N, an updateID, an S3 object version id

export interface ResolvedVersion {
  /** updateID, "current", or the S3 version id */
  label: string;
  read: () => Promise<Uint8Array>;
  version?: StateVersion;
  objectVersionId?: string;
}

/**
 * Resolve a user's version selector (DESIGN §4):
 * - `latest` (or `current`, `~0`): the current state;
 * - `previous` (`~1`): the version before it;
 * - `~N`: N versions back from latest;
 * - an updateID (24 hex): that deploy's snapshot; a cuid2: that legacy history entry;
 * - a version's own id (`uncommitted`, a short sha) or a prefix of its commit's sha (git home);
 * - anything else: an S3 object version id of `app/<app>/<stage>.json` (read to check it exists).
 * Pass `versions` when they were already listed, to avoid listing twice.
 */
export async function resolveVersion(
  store: StateStore,
  app: string,
  stage: string,
  selector: string,
  versions?: StateVersion[],
): Promise<ResolvedVersion> {
  const sel = selector.trim();
  const list = async () => (versions ??= await store.listVersions(app, stage));
  const counted = (n: number) =>
    n === 0
      ? `${app}/${stage} has no versions.`
      : `${app}/${stage} has ${n} version${n === 1 ? "" : "s"} (~0 … ~${n - 1}).`;
  const byIndex = async (n: number): Promise<ResolvedVersion> => {
    const vs = await list();
    const v = vs[n];
    if (!v) throw new VersionNotFoundError(selector, counted(vs.length));
    return { label: v.id, version: v, read: () => store.readVersion(app, stage, v) };
  };

  if (sel === "latest" || sel === "current") return byIndex(0);
  if (sel === "previous") return byIndex(1);
  if (sel.startsWith("~")) {
    const m = /^~(\d{1,9})$/.exec(sel);
    if (!m) throw new VersionNotFoundError(selector, `"~" takes a number of versions back, like ~1 or ~5. ${counted((await list()).length)}`);
    return byIndex(Number(m[1]));
  }
  if (isUpdateId(sel)) {
    const vs = await list();
    const v = vs.find((x) => x.id === sel) ?? vs.find((x) => x.updateId === sel);
    if (!v) throw new VersionNotFoundError(selector, `no snapshot or history entry has that updateID. ${counted(vs.length)}`);
    return { label: sel, version: v, read: () => store.readVersion(app, stage, v) };
  }
  if (!sel) throw new VersionNotFoundError(selector, `the selector is empty. ${counted((await list()).length)}`);
  // A legacy history entry is named by its cuid2, which an S3 version id could also look like:
  // the stage's own versions are asked first.
  if (isLegacyHistoryId(sel)) {
    const v = (await list()).find((x) => x.id === sel);
    if (v) return { label: sel, version: v, read: () => store.readVersion(app, stage, v) };
    if (isLegacyCuid2(sel)) {
      const n = (await list()).length;
      throw new VersionNotFoundError(selector, `it has the shape of a legacy history id (SST ≤ v3.2.47), and no history entry of ${app}/${stage} has it. ${counted(n)}`);
    }
  }
  // A version's own id (`uncommitted`, a short sha in a git home).
  if (versions || store.home === "git") {
    const exact = (await list()).find((x) => x.id === sel);
    if (exact) return { label: sel, version: exact, read: () => store.readVersion(app, stage, exact) };
  }
  // A unique prefix of an updateID (or legacy history id), or of a commit's sha in a git home, as git
  // takes a commit's prefix: `diff prod fe5dd539 latest`. Ids start with the time (DESIGN §2), so
  // short prefixes are shared by the deploys of a day: two matches are an error that lists them,
  // never a guess.
  if (/^[0-9a-z]{4,}$/i.test(sel)) {
    const lower = sel.toLowerCase();
    const vs = await list();
    const hits = vs.filter(
      (x) => x.kind !== "current" && (x.id.startsWith(lower) || (x.updateId?.startsWith(lower) ?? false) || (x.commit?.sha.startsWith(lower) ?? false)),
    );
    if (hits.length > 1) throw new AmbiguousVersionError(selector, hits.map((h) => h.id));
    const v = hits[0];
    if (v) return { label: v.id, version: v, read: () => store.readVersion(app, stage, v) };
  }
  if (store.home === "git") throw new VersionNotFoundError(selector, `no commit of ${app}/${stage} starts with "${sel}". ${counted((await list()).length)}`);
  // An S3 object version id: read it now, so that a wrong id fails here and not later.
  let bytes: Uint8Array;
  try {
    bytes = await store.readObjectVersion(app, stage, sel);
  } catch (e) {
    if (e instanceof VersionNotFoundError) {
      const n = (await list()).length;
      throw new VersionNotFoundError(
        selector,
        `it is not latest/previous/~N, not an updateID, and ${store.home === "aws" ? "no object version of" : "the local home keeps no object versions of"} app/${app}/${stage}.json has that id. ${counted(n)}`,
      );
    }
    throw e;
  }
  return { label: sel, objectVersionId: sel, read: async () => bytes };
}
