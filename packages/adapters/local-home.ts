/**
 * StateStore over SST's local home (`home: "local"`, DESIGN §2): files
 * `<root>/state/<kind>/<app>/<stage>.json` (and `snapshot/…/<updateID>.json`, `update/…`, `history/…`).
 *
 * - Any file may be gzip (SST v4.13+ `state.compress`): the first two bytes decide, not the name.
 * - Versions follow the shared model (core/state/versions.ts): snapshots + legacy history joined to
 *   update records, and the current file as its own `current` version only when it differs from
 *   the newest snapshot. There are no object versions here (that is S3's), so
 * - `writeCurrent` (restore) first keeps the replaced state as a new snapshot (a fresh updateID,
 *   newer than every other snapshot) unless it already is the newest snapshot, then replaces the
 *   current file atomically (temp file + rename). The token is the sha256 of the file's bytes. The
 *   compare and the rename are two steps: callers hold the stage's lock (DESIGN §3), which is what
 *   makes this safe against another restore; SST itself never takes our lock, so compare late.
 * - `secret/` and the passphrase file are never opened, listed or stat'ed.
 */
import { createHash, randomBytes } from "node:crypto";
import { homedir } from "node:os";
import { posix, win32 } from "node:path";
import { mkdir, open, readFile, readdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import {
  SstLockHeldError,
  StateChangedError,
  StoreUnavailableError,
  VersionNotFoundError,
} from "@sst-state/core/errors";
import { systemClock, type Clock, type CurrentState, type StateStore, type StateVersion } from "@sst-state/core/ports";
import type { SstLock, UpdateRecord } from "@sst-state/core/state/types";
import { makeUpdateId, updateIdTime } from "@sst-state/core/state/update-id";
import {
  assembleVersions,
  decodeStored,
  describeSstLock,
  parseSmallJson,
  sameStoredContent,
  stageDirectory,
  stateKeys,
  updateIdOfHistoryKey,
  updateIdOfKey,
  type StoredObject,
} from "@sst-state/core/state/versions";

export interface LocalHomeStoreOptions {
  /** the folder that contains `state/` (`--state-dir`, SST_STATE_DIR); default: SST's own */
  root?: string;
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  clock?: Clock;
  /** called with every path (relative to `<root>/state/`) the store reads, lists, stats or writes */
  onAccess?: (op: "read" | "stat" | "list" | "write", key: string) => void;
}

export interface LocalHomeStore extends StateStore {
  readonly home: "local";
  readonly root: string;
}

/**
 * SST's local home root: `$XDG_CONFIG_HOME/sst`, else `~/.config/sst` (Linux and others),
 * `~/Library/Application Support/sst` (macOS), `%AppData%\sst` (Windows).
 */
export function defaultLocalHomeRoot(env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform = process.platform): string {
  const path = platform === "win32" ? win32 : posix;
  if (env.XDG_CONFIG_HOME) return path.join(env.XDG_CONFIG_HOME, "sst");
  if (platform === "win32") {
    const appData = env.APPDATA ?? path.join(env.USERPROFILE ?? homedir(), "AppData", "Roaming");
    return path.join(appData, "sst");
  }
  const home = env.HOME ?? homedir();
  if (platform === "darwin") return path.join(home, "Library", "Application Support", "sst");
  return path.join(home, ".config", "sst");
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
type Errno = NodeJS.ErrnoException;
const isMissing = (e: unknown) => ["ENOENT", "ENOTDIR"].includes((e as Errno).code ?? "");

export function createLocalHomeStore(opts: LocalHomeStoreOptions = {}): LocalHomeStore {
  const platform = opts.platform ?? process.platform;
  const root = opts.root ?? defaultLocalHomeRoot(opts.env ?? process.env, platform);
  const path = platform === "win32" ? win32 : posix;
  const clock = opts.clock ?? systemClock;
  const location = `local home ${root}`;
  const access = opts.onAccess ?? (() => {});
  const file = (key: string) => path.join(root, "state", ...key.split("/"));

  const fsError = (e: unknown, key: string, op: string): StoreUnavailableError => {
    const code = (e as Errno).code ?? "";
    const where = file(key);
    if (code === "EACCES" || code === "EPERM") {
      return new StoreUnavailableError(
        `Permission denied: cannot ${op} ${where} (${code}).`,
        `Run as the user that runs \`sst\` (the owner of ${root}), fix the permissions (chmod/chown), or point --state-dir / SST_STATE_DIR at a home you can ${op}.`,
        e,
      );
    }
    if (code === "EROFS") return new StoreUnavailableError(`${where} is on a read-only file system.`, `Restore needs write access to ${root}; run where the home is writable.`, e);
    if (code === "ENOSPC") return new StoreUnavailableError(`No space left to write ${where}.`, `Free disk space under ${root} and try again; nothing was replaced.`, e);
    if (code === "EISDIR") return new StoreUnavailableError(`${where} is a folder, not a file.`, `Check the local home at ${root}; SST keeps one file per stage there.`, e);
    return new StoreUnavailableError(`Could not ${op} ${where}: ${(e as Error).message}`, `Check the local home at ${root} (--state-dir / SST_STATE_DIR).`, e);
  };

  const readRaw = async (key: string): Promise<Uint8Array | null> => {
    access("read", key);
    try {
      return new Uint8Array(await readFile(file(key)));
    } catch (e) {
      if (isMissing(e)) return null;
      throw fsError(e, key, "read");
    }
  };
  const head = async (key: string, n: number): Promise<Uint8Array | null> => {
    access("read", key);
    let fh;
    try {
      fh = await open(file(key), "r");
      const buf = new Uint8Array(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } catch (e) {
      if (isMissing(e)) return null;
      throw fsError(e, key, "read");
    } finally {
      await fh?.close();
    }
  };
  const statKey = async (key: string): Promise<StoredObject | null> => {
    access("stat", key);
    try {
      const s = await stat(file(key));
      return s.isFile() ? { key, size: s.size, time: s.mtime.toISOString() } : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw fsError(e, key, "read");
    }
  };
  /** entries of a folder (`prefix` ends with `/`): names, or [] when it does not exist */
  const names = async (prefix: string, kind: "file" | "dir"): Promise<string[]> => {
    access("list", prefix);
    try {
      const entries = await readdir(file(prefix.replace(/\/$/, "")), { withFileTypes: true });
      return entries
        .filter((d) => (kind === "dir" ? d.isDirectory() : d.isFile()))
        .map((d) => d.name)
        .sort();
    } catch (e) {
      if (isMissing(e)) return [];
      throw fsError(e, prefix, "read");
    }
  };
  const listJson = async (prefix: string): Promise<StoredObject[]> => {
    const files = (await names(prefix, "file")).filter((n) => n.endsWith(".json"));
    const out = await Promise.all(files.map((n) => statKey(prefix + n)));
    return out.filter((o): o is StoredObject => o !== null);
  };
  /** write a whole file atomically: temp file in the same folder, then rename over */
  const writeAtomic = async (key: string, bytes: Uint8Array | string): Promise<void> => {
    access("write", key);
    const target = file(key);
    const tmp = `${target}.sst-state-${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(tmp, bytes, { flag: "wx" });
      await rename(tmp, target);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw fsError(e, key, "write");
    }
  };

  const listApps = async (): Promise<string[]> => {
    const dirs = await names("app/", "dir");
    const out: string[] = [];
    for (const d of dirs) if ((await names(`app/${d}/`, "file")).some((n) => n.endsWith(".json"))) out.push(d);
    return out;
  };
  const listStagesOf = async (app: string): Promise<string[]> =>
    (await names(`app/${app}/`, "file")).filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -5));
  const { listStages, notFound } = stageDirectory(location, listApps, listStagesOf);
  const io = { head, read: readRaw };

  const store: LocalHomeStore = {
    home: "local",
    location,
    root,
    listApps,
    listStages,
    async readCurrent(app, stage): Promise<CurrentState> {
      const key = stateKeys.app(app, stage);
      const [raw, st] = [await readRaw(key), await statKey(key)];
      if (!raw) throw await notFound(app, stage);
      return { bytes: decodeStored(raw), token: sha256(raw), time: st?.time ?? new Date(clock.now()).toISOString() };
    },
    async listVersions(app, stage) {
      const [current, snapshots, history, updates] = await Promise.all([
        statKey(stateKeys.app(app, stage)),
        listJson(stateKeys.snapshotPrefix(app, stage)),
        listJson(stateKeys.historyPrefix(app, stage)),
        names(stateKeys.updatePrefix(app, stage), "file"),
      ]);
      if (!current && !snapshots.length && !history.length) throw await notFound(app, stage);
      return assembleVersions({
        current,
        snapshots,
        history,
        updateIds: updates.map((n) => updateIdOfKey(n)).filter((x): x is string => !!x),
        readUpdate: (id) => store.readUpdate(app, stage, id),
        same: (a, b) => sameStoredContent(a, b, io),
        location: (k) => `state/${k}`,
      });
    },
    async readVersion(app, stage, version: StateVersion) {
      const key = version.kind === "current" ? stateKeys.app(app, stage) : version.location.replace(/^state\//, "");
      const raw = await readRaw(key);
      if (!raw) throw new VersionNotFoundError(version.id, `${file(key)} no longer exists.`);
      return decodeStored(raw);
    },
    async listObjectVersions() {
      return { versions: [] };
    },
    async readObjectVersion(app, stage, versionId) {
      throw new VersionNotFoundError(versionId, `the local home keeps no object versions of app/${app}/${stage}.json; use an updateID, latest, previous or ~N.`);
    },
    async readSstLock(app, stage) {
      const raw = await readRaw(stateKeys.lock(app, stage));
      return raw ? parseSmallJson<SstLock>(raw, file(stateKeys.lock(app, stage))) : null;
    },
    async readUpdate(app, stage, updateId) {
      const raw = await readRaw(stateKeys.update(app, stage, updateId));
      return raw ? parseSmallJson<UpdateRecord>(raw, file(stateKeys.update(app, stage, updateId))) : null;
    },
    async listUpdates(app, stage, limit) {
      const ids = (await names(stateKeys.updatePrefix(app, stage), "file"))
        .map((n) => updateIdOfKey(n))
        .filter((x): x is string => !!x)
        .sort()
        .slice(0, Math.max(0, limit));
      const records = await Promise.all(ids.map((id) => store.readUpdate(app, stage, id)));
      return records.filter((r): r is UpdateRecord => r !== null);
    },

    async writeCurrent(app, stage, bytes, expectToken) {
      const key = stateKeys.app(app, stage);
      const raw = await readRaw(key);
      if (!raw) throw await notFound(app, stage);
      if (sha256(raw) !== expectToken) {
        throw new StateChangedError(`The current state of ${app}/${stage} in ${location} changed since it was read; nothing was written.`);
      }
      // Keep what is about to be replaced, unless it already is the newest snapshot/history entry.
      const [snapshots, history] = await Promise.all([
        listJson(stateKeys.snapshotPrefix(app, stage)),
        listJson(stateKeys.historyPrefix(app, stage)),
      ]);
      const entries = [
        ...snapshots.map((o) => ({ o, id: updateIdOfKey(o.key) })),
        ...history.map((o) => ({ o, id: updateIdOfHistoryKey(o.key) })),
      ].filter((x): x is { o: StoredObject; id: string } => !!x.id);
      const newest = entries.sort((a, b) => updateIdTime(b.id) - updateIdTime(a.id) || a.id.localeCompare(b.id))[0];
      const currentObj: StoredObject = { key, size: raw.length };
      if (!newest || !(await sameStoredContent(currentObj, newest.o, io))) {
        const ms = Math.max(clock.now(), newest ? updateIdTime(newest.id) + 1 : 0);
        const keep = stateKeys.snapshot(app, stage, makeUpdateId(ms));
        access("write", keep);
        try {
          await mkdir(path.dirname(file(keep)), { recursive: true });
          await writeFile(file(keep), raw, { flag: "wx" });
        } catch (e) {
          throw fsError(e, keep, "write");
        }
      }
      await writeAtomic(key, bytes);
      return { bytes: decodeStored(bytes), token: sha256(bytes), time: new Date(clock.now()).toISOString() };
    },
    async putSstLock(app, stage, lock) {
      const key = stateKeys.lock(app, stage);
      access("write", key);
      try {
        await mkdir(path.dirname(file(key)), { recursive: true });
        await writeFile(file(key), JSON.stringify(lock), { flag: "wx" });
      } catch (e) {
        if ((e as Errno).code === "EEXIST") {
          const held = await store.readSstLock(app, stage);
          throw new SstLockHeldError(app, stage, held ? describeSstLock(held) : "a lock file exists");
        }
        throw fsError(e, key, "write");
      }
    },
    async deleteSstLock(app, stage, updateID) {
      const key = stateKeys.lock(app, stage);
      const lock = await store.readSstLock(app, stage);
      if (!lock) return;
      if (lock.updateID !== updateID) throw new SstLockHeldError(app, stage, `${describeSstLock(lock)}, not ours (${updateID}); left in place`);
      access("write", key);
      try {
        await unlink(file(key));
      } catch (e) {
        if (!isMissing(e)) throw fsError(e, key, "delete");
      }
    },
    async writeUpdate(app, stage, record) {
      await writeAtomic(stateKeys.update(app, stage, record.id), JSON.stringify(record));
    },
  };
  return store;
}
