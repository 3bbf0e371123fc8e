/**
 * StateStore over SST's local home (`home: "local"`, DESIGN §2): files
 * `<root>/state/<kind>/<app>/<stage>.json` (and `snapshot/…/<updateID>.json`, `update/…`, `history/…`).
 *
 * - Any file may be gzip (SST v4.13+ `state.compress`): the first two bytes decide, not the name.
 * - Versions follow the shared model (core/state/versions.ts): snapshots + legacy history joined to
 *   update records, and the current file as its own `current` version only when it differs from
 *   the newest snapshot. There are no object versions here (that is S3's).
 * - Writes (restore only, core/restore/write.ts): `writeCurrent` replaces the current file
 *   atomically (temp file + rename) if its sha256 (the token) is still the expected one;
 *   `writeSnapshot` creates a snapshot atomically and never replaces one (temp file + link). The
 *   compare and the rename are two steps: callers hold the stage's lock (DESIGN §3), which is what
 *   makes this safe against another restore; SST itself never takes our lock, so compare late.
 * - `secret/` and the passphrase file are never opened, listed or stat'ed.
 */
import { createHash, randomBytes } from "node:crypto";
import { posix, win32 } from "node:path";
import type { BigIntStats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { link, mkdir, open, readFile, readdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import {
  SstLockHeldError,
  StateChangedError,
  StoreUnavailableError,
  UsageError,
  VersionNotFoundError,
} from "@sst-state/core/errors";
import { systemClock, type Clock, type CurrentState, type CurrentStateReader, type StateStore, type StateVersion } from "@sst-state/core/ports";
import type { SstLock, UpdateRecord } from "@sst-state/core/state/types";
import {
  asBytes,
  assembleVersions,
  decodeStored,
  describeSstLock,
  parseSmallJson,
  sameStoredContent,
  snapshotExists,
  stageDirectory,
  stateKeys,
  summaryToUpdate,
  updateIdOfKey,
  type StoredObject,
} from "@sst-state/core/state/versions";

export interface LocalHomeStoreOptions {
  /** the folder that contains `state/` (`--state-dir`, SST_STATE_DIR); default: SST's own */
  root?: string;
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform | "ios";
  clock?: Clock;
  /** called with every path (relative to `<root>/state/`) the store reads, lists, stats or writes */
  onAccess?: (op: "read" | "stat" | "list" | "write", key: string) => void;
  /**
   * A folder of this tool's own (the project's `.sst-state/cache`, never SST's home) where the
   * result of comparing the current file with a snapshot is kept, tied to both files' stat (see
   * createTieCache). Without it every `diff`/`status` compares the bytes again.
   */
  tieCacheDir?: string;
}

export interface LocalHomeStore extends StateStore {
  readonly home: "local";
  readonly root: string;
  openCurrent(app: string, stage: string): Promise<CurrentStateReader>;
}

/**
 * SST's local home root, chosen exactly as SST does: `filepath.Join(os.UserConfigDir(), "sst")`
 * (sst/sst pkg/global/global.go lines 31-41 at 08fa0a62, 2024-10, the same in v3.2.47; SST 4.17.1
 * still panics from there, `pkg/global/global.go:24-30`, when os.UserConfigDir fails), and
 * `<root>/state/<key>/<app>/<stage>.json` (pkg/project/provider/local.go lines 81-83).
 *
 * Go's os.UserConfigDir (src/os/file.go, `func UserConfigDir`; SST 4.17.1 is built with go1.26.4):
 * - windows: `%AppData%` (error when empty); XDG_CONFIG_HOME is not looked at;
 * - darwin and ios: `$HOME/Library/Application Support` (error when $HOME is empty); no XDG;
 * - plan9: `$home/lib`;
 * - every other OS (Linux, the BSDs, …): `$XDG_CONFIG_HOME` when non-empty, which must be an
 *   absolute path ("path in $XDG_CONFIG_HOME is relative" otherwise), else `$HOME/.config`
 *   ("neither $XDG_CONFIG_HOME nor $HOME are defined" when both are empty).
 * Where Go errors, SST cannot run at all; we say so and how to fix it instead of guessing a folder.
 */
export function defaultLocalHomeRoot(env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform | "ios" = process.platform): string {
  const fail = (why: string) =>
    new UsageError(`Cannot find SST's local home: ${why}, so SST itself cannot find it either (Go's os.UserConfigDir fails).`, "Set it, or point --state-dir / SST_STATE_DIR at the folder that contains state/.");
  if (platform === "win32") {
    // Windows environment names are case-insensitive; Node keeps the spelling Windows reports.
    const appData = env.AppData ?? env.APPDATA ?? Object.entries(env).find(([k]) => k.toLowerCase() === "appdata")?.[1];
    if (!appData) throw fail("%AppData% is not defined");
    return win32.join(appData, "sst");
  }
  if (platform === "darwin" || platform === "ios") {
    if (!env.HOME) throw fail("$HOME is not defined");
    return posix.join(env.HOME, "Library", "Application Support", "sst");
  }
  if ((platform as string) === "plan9") {
    if (!env.home) throw fail("$home is not defined");
    return posix.join(env.home, "lib", "sst");
  }
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg) {
    if (!xdg.startsWith("/")) throw fail(`XDG_CONFIG_HOME is a relative path ("${xdg}"); Go requires an absolute one`);
    return posix.join(xdg, "sst");
  }
  if (!env.HOME) throw fail("neither $XDG_CONFIG_HOME nor $HOME are defined");
  return posix.join(env.HOME, ".config", "sst");
}

/** How long a state file just read is kept for a second use (see readState). */
const RECENT_MS = 5_000;
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
type Errno = NodeJS.ErrnoException;
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as Errno).code === "EPERM";
  }
}


/**
 * A file's bytes in one read call (then a check for more, as readFile reads to the end).
 * fs.promises.readFile reads 512 KiB at a time and each piece waits for the main thread to ask for
 * the next: a 100 MB state read while that thread is busy (`status` opening the embedded store,
 * a diagnosis loading its workflow) stalls, while one read runs on libuv's pool to the end.
 */
/** Files this big are read into a SharedArrayBuffer (see readWhole). */
export const SHARED_READ_BYTES = 1024 * 1024;

export async function readWhole(path: string): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    // A big file lands in shared memory: the diagnosis's scan reads it in a worker thread
    // (adapters/index-worker.ts) where it is, while the `recent` cache may hand the same bytes to
    // another caller; a plain buffer would have to be copied (~1 s for 100 MB here) or moved away.
    const first = size >= SHARED_READ_BYTES ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafe(size);
    let n = 0;
    while (n < size) {
      const { bytesRead } = await fh.read(first, n, size - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n < size) return first.subarray(0, n); // shrank while read
    // grown while read (or a file whose size stat does not know): the rest, to the end
    const more: Buffer[] = [];
    for (let at = n; ; ) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, at);
      if (bytesRead === 0) break;
      more.push(chunk.subarray(0, bytesRead));
      at += bytesRead;
    }
    return more.length ? Buffer.concat([first, ...more]) : first;
  } finally {
    await fh.close();
  }
}

/** fsync a folder so that a rename in it is durable (not possible on Windows: skipped). */
async function syncFolder(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch {
    /* best effort */
  } finally {
    await fh?.close().catch(() => {});
  }
}

/**
 * A current file's stamp (CurrentState.stamp: its size and mtime), time and size, from one bigint
 * stat: readCurrent and openCurrent stamp alike, or a diagnosis's cache would miss (a number stat
 * rounds the mtime's nanoseconds otherwise than a bigint one).
 */
function currentStamp(st: BigIntStats): { stamp: string; time: string; size: number } {
  const size = Number(st.size);
  const time = st.mtime.toISOString();
  return { stamp: `${size}@${time}`, time, size };
}

const isMissing = (e: unknown) => ["ENOENT", "ENOTDIR"].includes((e as Errno).code ?? "");

export function createLocalHomeStore(opts: LocalHomeStoreOptions = {}): LocalHomeStore {
  const platform = opts.platform ?? process.platform;
  const root = opts.root ?? defaultLocalHomeRoot(opts.env ?? process.env, platform);
  const path = platform === "win32" ? win32 : posix;
  const clock = opts.clock ?? systemClock;
  const location = `local home ${root}`;
  const access = opts.onAccess ?? (() => {});
  const stateRoot = path.join(root, "state");
  // Names are checked at the edge (core/names.ts); this is the last line: no key leaves state/.
  const file = (key: string) => {
    const p = path.join(stateRoot, ...key.split("/"));
    if (p !== stateRoot && !p.startsWith(stateRoot + path.sep)) throw new UsageError(`"${key.slice(0, 80)}" is not a key inside the home.`, "Use app and stage names as SST names them (letters, digits, hyphens).");
    return p;
  };

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
      return asBytes(await readWhole(file(key)));
    } catch (e) {
      if (isMissing(e)) return null;
      throw fsError(e, key, "read");
    }
  };
  /**
   * State files read in the last few seconds, tied to the file by inode, size, mtime and ctime (in
   * nanoseconds): `diff` and `status` compare the current file with the newest snapshot and then
   * use one of them, so without this the same 100 MB are read twice. A file that changed since
   * (any write moves its mtime/ctime, a rename its inode) is read again; an entry is dropped after
   * a few seconds, so a long-running `serve` keeps no state in memory.
   */
  const recent = new Map<string, { stamp: string; bytes: Promise<Uint8Array | null> }>();
  /** The bytes, with the stat taken before reading them (readCurrent's time and stamp come from it). */
  const readStamped = async (key: string): Promise<{ bytes: Uint8Array; stat: BigIntStats } | null> => {
    access("read", key);
    let s: BigIntStats;
    try {
      s = await stat(file(key), { bigint: true });
    } catch (e) {
      if (isMissing(e)) return null;
      throw fsError(e, key, "read");
    }
    const stamp = `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    let entry = recent.get(key);
    if (!entry || entry.stamp !== stamp) {
      const made = { stamp, bytes: readRaw(key) };
      recent.set(key, made);
      made.bytes.catch(() => recent.delete(key));
      setTimeout(() => recent.get(key) === made && recent.delete(key), RECENT_MS).unref();
      entry = made;
    }
    const bytes = await entry.bytes;
    return bytes ? { bytes, stat: s } : null;
  };
  const readState = async (key: string): Promise<Uint8Array | null> => (await readStamped(key))?.bytes ?? null;
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
  /**
   * Write a whole file atomically: a temp file in the same folder, then rename it over the target
   * (`replace`), or hard-link it to the target, which fails when the target exists (create only).
   * Either way a reader sees the old file or the whole new one, never a part. The temp file is
   * fsynced before it is renamed (and the folder after), so a crash or power loss cannot leave a
   * renamed file whose bytes never reached the disk; temp files left by a process that died are
   * removed the first time this process writes into their folder.
   */
  /** Temp files (`<name>.sst-state-<pid>-<hex>.tmp`) of processes that are gone, once per folder. */
  const swept = new Set<string>();
  const sweepTempFiles = async (dir: string): Promise<void> => {
    if (swept.has(dir)) return;
    swept.add(dir);
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const name of entries) {
      const m = /\.sst-state-(\d+)-[0-9a-f]+\.tmp$/.exec(name);
      if (m && !processAlive(Number(m[1]))) await unlink(path.join(dir, name)).catch(() => {});
    }
  };
  const writeAtomic = async (key: string, bytes: Uint8Array | string, mode: "replace" | "create" = "replace"): Promise<void> => {
    access("write", key);
    const target = file(key);
    const tmp = `${target}.sst-state-${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await sweepTempFiles(path.dirname(target));
      const fh = await open(tmp, "wx");
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (mode === "replace") await rename(tmp, target);
      else await link(tmp, target);
      await syncFolder(path.dirname(target));
    } catch (e) {
      await unlink(tmp).catch(() => {});
      if (mode === "create" && (e as Errno).code === "EEXIST") throw snapshotExists(target);
      throw fsError(e, key, "write");
    }
    if (mode === "create") await unlink(tmp).catch(() => {});
  };

  const listApps = async (): Promise<string[]> => {
    const dirs = await names("app/", "dir");
    const out: string[] = [];
    for (const d of dirs) if ((await names(`app/${d}/`, "file")).some((n) => n.endsWith(".json"))) out.push(d);
    return out;
  };
  const listStagesOf = async (app: string): Promise<string[]> =>
    (await names(`app/${app}/`, "file")).filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -5));
  const { directory, notFound } = stageDirectory(location, listApps, listStagesOf);
  const io = { head, read: readState };
  const ties = opts.tieCacheDir ? createTieCache({ dir: opts.tieCacheDir, root, file, clock, path }) : undefined;
  /** same content? The cached answer when both files are unchanged since it was recorded. */
  const same = async (a: StoredObject, b: StoredObject): Promise<boolean> => {
    if (!ties) return sameStoredContent(a, b, io);
    const known = await ties.lookup(a.key, b.key);
    if (known !== undefined) return known;
    const before = await ties.stamps(a.key, b.key);
    const result = await sameStoredContent(a, b, io);
    await ties.record(a.key, b.key, before, result);
    return result;
  };

  const store: LocalHomeStore = {
    home: "local",
    ...directory,
    root,
    async readCurrent(app, stage): Promise<CurrentState> {
      const key = stateKeys.app(app, stage);
      // one stat, taken before reading: if the file is replaced in between, the stamp is the older
      // one and a cache keyed by it misses next time rather than serving these bytes as the newer file's
      const read = await readStamped(key);
      if (!read) throw await notFound(app, stage);
      const raw = read.bytes;
      const st = currentStamp(read.stat);
      // the token is only needed to write (restore): hashing 100 MB for a `status` is not free
      let token: string | undefined;
      return {
        bytes: decodeStored(raw),
        get token() {
          return (token ??= sha256(raw));
        },
        ...(st.size === raw.length ? { stamp: st.stamp } : {}),
        time: st.time,
      };
    },
    async openCurrent(app, stage): Promise<CurrentStateReader> {
      const key = stateKeys.app(app, stage);
      access("read", key);
      let fh: FileHandle;
      try {
        fh = await open(file(key), "r");
      } catch (e) {
        if (isMissing(e)) throw await notFound(app, stage);
        throw fsError(e, key, "read");
      }
      try {
        // the stat of the file opened: the stamp names the bytes read (a file replaced meanwhile is
        // another inode; one written in place ends up another size, which the reader sees)
        const { stamp, time, size } = currentStamp(await fh.stat({ bigint: true }));
        let at = 0;
        return {
          stamp,
          time,
          size,
          async read(into, offset, length) {
            try {
              const { bytesRead } = await fh.read(into, offset, length, at);
              at += bytesRead;
              return bytesRead;
            } catch (e) {
              throw fsError(e, key, "read");
            }
          },
          close: () => fh.close(),
        };
      } catch (e) {
        await fh.close().catch(() => {});
        throw fsError(e, key, "read");
      }
    },
    async listVersions(app, stage, opts) {
      const [current, snapshots, history, updates] = await Promise.all([
        statKey(stateKeys.app(app, stage)),
        listJson(stateKeys.snapshotPrefix(app, stage)),
        listJson(stateKeys.historyPrefix(app, stage)),
        names(stateKeys.updatePrefix(app, stage), "file"),
      ]);
      if (!current && !snapshots.length && !history.length) throw await notFound(app, stage);
      // SST's local home never wrote legacy summaries; a home copied from a bucket may hold them
      const summaries = history.length ? await listJson(stateKeys.summaryPrefix(app, stage)) : [];
      return assembleVersions({
        current,
        snapshots,
        history,
        updateIds: updates.map((n) => updateIdOfKey(n)).filter((x): x is string => !!x),
        readUpdate: (id) => store.readUpdate(app, stage, id),
        summaries,
        readSummary: async (key) => {
          const raw = await readRaw(key);
          return raw ? summaryToUpdate(parseSmallJson<Record<string, unknown>>(raw, file(key)), key) : null;
        },
        same,
        ...(opts?.records !== undefined ? { records: opts.records } : {}),
        location: (k) => `state/${k}`,
      });
    },
    async readVersion(app, stage, version: StateVersion) {
      const key = version.kind === "current" ? stateKeys.app(app, stage) : version.location.replace(/^state\//, "");
      const raw = await readState(key);
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
    async writeSnapshot(app, stage, updateId, bytes) {
      await writeAtomic(stateKeys.snapshot(app, stage, updateId), bytes, "create");
    },
    async writeUpdate(app, stage, record) {
      await writeAtomic(stateKeys.update(app, stage, record.id), JSON.stringify(record));
    },
  };
  return store;
}

/** The stat of a file that identifies its bytes (bigint nanoseconds: no rounding). */
interface Stamp {
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}
interface TieEntry {
  v: 1;
  a: { path: string } & Stamp;
  b: { path: string } & Stamp;
  same: boolean;
}
const STAMP_FIELDS = ["dev", "ino", "size", "mtimeNs", "ctimeNs"] as const;
/**
 * A file changed within this long of the moment its stat was recorded could change again without
 * moving its mtime/ctime (file systems keep time in coarse ticks: a jiffy on Linux, 2 s on FAT),
 * as git's "racily clean" index entries; such a stat is not recorded.
 */
const RACY_MS = 3_000n;

/**
 * Whether two state files hold the same content, remembered across processes: `diff` and `status`
 * ask whether the current file equals the newest snapshot only to show them as one version, and
 * answering by comparing bytes reads a second 100 MB file. The answer is kept in one small JSON
 * file per pair, `<dir>/tie-<sha256 of root and keys>.json`, with both files' stat (device, inode,
 * size, mtime and ctime in nanoseconds). It is used only when both stats are still exactly those:
 * any write moves ctime (which no user call can set back, unlike mtime with utimes) and a rename
 * (SST's atomic writes, a restore) changes the inode. Anything else — no entry, a corrupt or
 * truncated one, another file's entry, a stat that changed — means comparing the bytes as before.
 * A stat is recorded only when it was the same before and after the comparison and is older than
 * RACY_MS. Entries are written atomically (temp file + rename); failing to read or write one is
 * ignored (the cache only saves reading, it never decides alone).
 */
function createTieCache(o: { dir: string; root: string; file: (key: string) => string; clock: Clock; path: typeof posix }) {
  const entryFile = (a: string, b: string) => o.path.join(o.dir, `tie-${createHash("sha256").update(`${o.root}\0${a}\0${b}`).digest("hex").slice(0, 32)}.json`);
  const stampOf = async (key: string): Promise<Stamp | null> => {
    try {
      const s = await stat(o.file(key), { bigint: true });
      if (!s.isFile()) return null;
      return { dev: String(s.dev), ino: String(s.ino), size: String(s.size), mtimeNs: String(s.mtimeNs), ctimeNs: String(s.ctimeNs) };
    } catch {
      return null;
    }
  };
  const stamps = (a: string, b: string) => Promise.all([stampOf(a), stampOf(b)]);
  const equal = (x: Stamp, y: Stamp) => STAMP_FIELDS.every((f) => x[f] === y[f]);
  const validSide = (x: unknown, path: string): x is { path: string } & Stamp =>
    typeof x === "object" && x !== null && (x as { path?: unknown }).path === path && STAMP_FIELDS.every((f) => typeof (x as Record<string, unknown>)[f] === "string");
  const read = async (a: string, b: string): Promise<TieEntry | null> => {
    try {
      const e = JSON.parse(await readFile(entryFile(a, b), "utf8")) as Partial<TieEntry>;
      if (e.v !== 1 || typeof e.same !== "boolean" || !validSide(e.a, o.file(a)) || !validSide(e.b, o.file(b))) return null;
      return e as TieEntry;
    } catch {
      return null;
    }
  };
  return {
    stamps,
    /** the recorded answer when both files are exactly as recorded, else undefined */
    async lookup(a: string, b: string): Promise<boolean | undefined> {
      const entry = await read(a, b);
      if (!entry) return undefined;
      const [sa, sb] = await stamps(a, b);
      return sa && sb && equal(sa, entry.a) && equal(sb, entry.b) ? entry.same : undefined;
    },
    async record(a: string, b: string, before: (Stamp | null)[], same: boolean): Promise<void> {
      const [ba, bb] = before;
      const [sa, sb] = await stamps(a, b);
      if (!ba || !bb || !sa || !sb || !equal(ba, sa) || !equal(bb, sb)) return;
      const now = BigInt(o.clock.now()) * 1_000_000n;
      const settled = (s: Stamp) => [s.mtimeNs, s.ctimeNs].every((t) => now - BigInt(t) > RACY_MS * 1_000_000n);
      if (!settled(sa) || !settled(sb)) return;
      const entry: TieEntry = { v: 1, a: { path: o.file(a), ...sa }, b: { path: o.file(b), ...sb }, same };
      const target = entryFile(a, b);
      const tmp = `${target}.sst-state-${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
      try {
        await mkdir(o.dir, { recursive: true });
        await writeFile(tmp, JSON.stringify(entry), { flag: "wx" });
        await rename(tmp, target);
      } catch {
        await unlink(tmp).catch(() => {});
      }
    },
  };
}
