/**
 * StateStore over state kept in a git repository (`--home git`, DESIGN §2 "State kept in git").
 *
 * `--state-dir` is a folder inside a git work tree holding either
 * - SST's layout: `<dir>/state/app/<app>/<stage>.json`, `snapshot/…`, `update/…` (or `<dir>` is
 *   that `state/` folder itself), as a pipeline that commits SST's whole home keeps it; or
 * - the flat copy pipelines keep: `<dir>/app/<stage>.json` and `<dir>/passphrase/<stage>.json`,
 *   with the app named by `--app` / SST_STATE_APP / `"app"` in sst-state.json / `sst.config.ts`.
 *
 * Versions are the commits that changed the stage's file, newest first (`git log`), each with
 * its short sha, author, date and subject; a commit that also added SST's snapshot of the update
 * (SST's layout) is that deploy's snapshot and keeps its updateID as id, like in every other
 * home; any other commit's id is its short sha. When the working-tree file differs from the last
 * commit, it is one more version on top: `uncommitted`. Versions are also named by a prefix of
 * their sha (core/state/versions.ts).
 *
 * The current state is the working-tree file; its token is its git blob id (`git hash-object`).
 * `writeCurrent` (restore) never rewrites history: it refuses a modified (uncommitted) file,
 * refuses when the blob is no longer the one the request saw (compare-and-swap on the blob id),
 * writes the file and commits only that path (`sst-state: restore <stage> to <sha> (requested
 * by …, approved by …)`), without hooks, so the committed bytes are exactly the restored ones.
 * Callers hold the stage's lock, which orders this against other restores and `run --git`.
 *
 * Everything that is not a version (SST's lock, update records) is read from the work tree, as in
 * the local home; the flat layout has none of them. `secret/` and the passphrase are never read.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join, posix, relative, sep } from "node:path";
import {
  AppNotFoundError,
  SstStateError,
  StateChangedError,
  StoreUnavailableError,
  UsageError,
  VersionNotFoundError,
} from "@sst-state/core/errors";
import type { CurrentState, StateStore, StateVersion, WriteNote } from "@sst-state/core/ports";
import { updateIdTime } from "@sst-state/core/state/update-id";
import { asBytes, decodeStored, legacyHistoryOfKey, parseSmallJson, snapshotExists, stageDirectory, stateKeys, summaryToUpdate, updateIdOfKey } from "@sst-state/core/state/versions";
import { createGit, GitError, workTreeTop, type Git } from "./git.ts";
import { createLocalHomeStore, type LocalHomeStore } from "./local-home.ts";

export interface GitHomeOptions {
  /** `--state-dir`: the folder in the work tree that holds the state */
  dir: string;
  /** the app (flat layout: required unless sst.config.ts names it) */
  app?: string;
  env?: Record<string, string | undefined>;
  /** called with every key (relative to the state folder) the store reads, lists or writes */
  onAccess?: (op: "read" | "stat" | "list" | "write", key: string) => void;
}

export interface GitHomeStore extends StateStore {
  readonly home: "git";
  /** the top of the work tree */
  readonly top: string;
  readonly git: Git;
  /** `sst` (SST's layout) or `flat` (`app/<stage>.json`); undefined while the folder holds no state */
  layout(): "sst" | "flat" | undefined;
  /** repository path (relative to `top`) of a stage's file of one kind: `app`, `passphrase`, `snapshot`, … */
  repoPath(kind: "app" | "passphrase" | "secret" | "snapshot" | "update" | "history" | "lock" | "eventlog", app: string, stage: string): string | undefined;
  /**
   * Whether the stage's passphrase file is in git (never opened): tracked now, and the first
   * commit that added it (it stays readable in history after a `git rm`).
   */
  passphraseInGit(app: string, stage: string): Promise<{ path: string; tracked: boolean; firstCommit: string | null; stateDir?: string } | null>;
}

/** The working-tree file changed and is not committed: a restore would mix it up. */
export class UncommittedStateError extends SstStateError {
  constructor(path: string) {
    super("uncommitted-state", `${path} has changes that are not committed; nothing was written.`, {
      hint: `Commit them (\`git add ${path} && git commit\`) or discard them (\`git checkout -- ${path}\`), then ask again.`,
      exitCode: 1,
    });
  }
}

/**
 * The remote branch has a newer state than this checkout: the request was made on an old state.
 * Code `state-changed` like StateChangedError, but its own class: the restore passes its message
 * (what to pull) through instead of describing the local change.
 */
export class RemoteStateAheadError extends SstStateError {
  constructor(message: string, hint: string) {
    super("state-changed", message, { hint, exitCode: 1 });
  }
}

const RS = "\x1e";
const US = "\x1f";

/** The app `sst.config.ts` names (`app() { return { name: "…" } }`), looked up from `dir` to `top`. */
export function appFromSstConfig(dir: string, top: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const file = join(d, "sst.config.ts");
    if (existsSync(file)) {
      const m = /\bapp\s*\([^)]*\)\s*\{[\s\S]*?\bname\s*:\s*["'`]([A-Za-z0-9._-]+)["'`]/.exec(readFileSync(file, "utf8"));
      if (m) return m[1];
    }
    if (d === top || dirname(d) === d) return undefined;
  }
}

function hasJsonIn(dir: string, kind: "file" | "dir"): boolean {
  try {
    return readdirSync(dir, { withFileTypes: true }).some((d) => (kind === "file" ? d.isFile() && d.name.endsWith(".json") : d.isDirectory()));
  } catch {
    return false;
  }
}

export async function createGitHomeStore(opts: GitHomeOptions): Promise<GitHomeStore> {
  const env = opts.env ?? process.env;
  if (!existsSync(opts.dir) || !statSync(opts.dir).isDirectory()) {
    throw new StoreUnavailableError(`${opts.dir} does not exist or is not a folder.`, "Point --state-dir / SST_STATE_DIR at the folder in your repository that holds the state (e.g. infra/state).");
  }
  // git answers with real paths; compare like with like
  const dir = realpathSync(opts.dir);
  const top = await workTreeTop(dir, env);
  const git = createGit(top, env);
  const access = opts.onAccess ?? (() => {});
  const location = `git home ${dir}`;

  // The layout is found on first use (a fresh repository may be seeded after the store is made).
  type Layout = { kind: "sst"; stateRoot: string; local: LocalHomeStore } | { kind: "flat"; root: string };
  let found: Layout | undefined;
  const layout = (): Layout | undefined => {
    if (found) return found;
    const sstRoot = existsSync(join(dir, "state", "app")) ? join(dir, "state") : basename(dir) === "state" && hasJsonIn(join(dir, "app"), "dir") ? dir : undefined;
    if (sstRoot) {
      found = { kind: "sst", stateRoot: sstRoot, local: createLocalHomeStore({ root: dirname(sstRoot), env, onAccess: opts.onAccess }) };
    } else if (hasJsonIn(join(dir, "app"), "file")) {
      found = { kind: "flat", root: dir };
    }
    return found;
  };
  const need = (): Layout => {
    const l = layout();
    if (!l) {
      throw new StoreUnavailableError(
        `${dir} holds no SST state: neither SST's layout (state/app/<app>/<stage>.json) nor a flat copy (app/<stage>.json).`,
        "Point --state-dir at the folder your pipeline commits the state to, e.g. `--state-dir infra/state`.",
      );
    }
    return l;
  };
  const toRepo = (abs: string) => relative(top, abs).split(sep).join("/");

  /** the flat layout's one app */
  let flatApp: string | undefined = opts.app;
  const appOfFlat = (): string => {
    flatApp ??= appFromSstConfig(dir, top);
    if (!flatApp) {
      throw new UsageError(
        `${dir} keeps state without app folders (app/<stage>.json), and no app is named.`,
        'Name it: `--app <app>`, SST_STATE_APP, "app" in sst-state.json, or keep sst.config.ts (with `name`) in the repository.',
      );
    }
    return flatApp;
  };

  const repoPath: GitHomeStore["repoPath"] = (kind, app, stage) => {
    const l = need();
    if (l.kind === "sst") {
      const key = kind === "snapshot" || kind === "update" || kind === "history" ? `${kind}/${app}/${stage}/` : `${kind}/${app}/${stage}.json`;
      return posix.join(toRepo(l.stateRoot), key); // keeps the trailing "/" of a folder
    }
    if (kind !== "app" && kind !== "passphrase" && kind !== "secret") return undefined;
    return posix.join(toRepo(l.root), kind, `${stage}.json`);
  };
  const stateFile = (app: string, stage: string) => repoPath("app", app, stage)!;
  const abs = (repoRel: string) => join(top, ...repoRel.split("/"));

  const flatStages = (): string[] =>
    readdirSync(join(dir, "app"), { withFileTypes: true })
      .filter((d) => d.isFile() && d.name.endsWith(".json"))
      .map((d) => d.name.slice(0, -5))
      .sort();
  const listApps = async (): Promise<string[]> => {
    const l = need();
    if (l.kind === "sst") return l.local.listApps();
    access("list", "app/");
    return flatStages().length ? [appOfFlat()] : [];
  };
  const listStagesOf = async (app: string): Promise<string[]> => {
    const l = need();
    if (l.kind === "sst") {
      try {
        return await l.local.listStages(app);
      } catch (e) {
        if (e instanceof AppNotFoundError) return [];
        throw e;
      }
    }
    access("list", "app/");
    return app === appOfFlat() ? flatStages() : [];
  };
  const { directory, notFound } = stageDirectory(location, listApps, listStagesOf);

  const readWorking = async (path: string): Promise<{ raw: Uint8Array; mtime: string } | null> => {
    try {
      const [raw, st] = await Promise.all([readFile(abs(path)), stat(abs(path))]);
      return { raw: asBytes(raw), mtime: st.mtime.toISOString() };
    } catch (e) {
      if (["ENOENT", "ENOTDIR"].includes((e as NodeJS.ErrnoException).code ?? "")) return null;
      throw new StoreUnavailableError(`Could not read ${abs(path)}: ${(e as Error).message}`, `Check the state folder ${dir}.`, e);
    }
  };
  /** git's blob id of these bytes as they would be stored at `path` */
  const blobOf = async (path: string, bytes: Uint8Array) => git.text(["hash-object", `--path=${path}`, "--stdin"], { input: Buffer.from(bytes) });
  /** blob id of `path` in a commit, or null */
  const committedBlob = async (rev: string, path: string): Promise<string | null> => {
    try {
      return await git.text(["rev-parse", "-q", "--verify", `${rev}:${path}`]);
    } catch (e) {
      if (e instanceof GitError) return null;
      throw e;
    }
  };

  interface Commit {
    sha: string;
    short: string;
    author: string;
    date: string;
    committed: string;
    subject: string;
    /** paths changed, with git's status letter and the new blob id */
    changes: { status: string; path: string; blob: string }[];
  }
  /** commits that touched any of `paths`, newest first (none in a repository without commits) */
  const logOf = async (paths: string[]): Promise<Commit[]> => {
    let out: string;
    try {
      out = await git.text(["log", "--no-renames", "--raw", "--no-abbrev", `--format=${RS}%H${US}%h${US}%an${US}%aI${US}%cI${US}%s`, "--", ...paths]);
    } catch (e) {
      if (e instanceof GitError && /does not have any commits|bad default revision|unknown revision/.test(e.stderr)) return [];
      throw e;
    }
    return out
      .split(RS)
      .filter((r) => r.trim())
      .map((r) => {
        const [head = "", ...lines] = r.split("\n");
        const [sha = "", short = "", author = "", date = "", committed = "", subject = ""] = head.split(US);
        // `:100644 100644 <old blob> <new blob> M\t<path>`
        const changes = lines
          .filter((l) => l.startsWith(":") && l.includes("\t"))
          .map((l) => {
            const [meta = "", path = ""] = l.split("\t");
            const f = meta.split(" ");
            return { status: (f[4] ?? "").charAt(0), path, blob: f[3] ?? "" };
          });
        return { sha, short, author, date, committed, subject, changes };
      });
  };

  /**
   * The checked-out branch and the remote branch it tracks (`branch.<name>.remote` / `.merge`,
   * read by git): where a restore's commit goes, and the state a restore must not fall behind.
   */
  const upstreamOf = async (): Promise<{ branch?: string; remote?: string; ref?: string }> => {
    const full = await git.text(["rev-parse", "--symbolic-full-name", "HEAD"]).catch(() => "");
    if (!full.startsWith("refs/heads/")) return {};
    const [remote = "", ref = ""] = (await git.text(["for-each-ref", "--format=%(upstream:remotename)%00%(upstream:remoteref)", full])).split("\0");
    return { branch: full.slice("refs/heads/".length), ...(remote && ref ? { remote, ref } : {}) };
  };
  const shortRef = (ref: string) => ref.replace(/^refs\/heads\//, "");

  /**
   * Compare-and-swap against the remote too: when the branch tracks a remote branch that has a
   * state of the stage this checkout does not have (someone deployed and pushed since the last
   * pull), the request was made on an old state: refuse. A remote that cannot be reached is not
   * checked (the push afterwards says what to do).
   */
  const checkRemote = async (file: string, headBlob: string | null): Promise<void> => {
    const up = await upstreamOf();
    if (!up.remote || !up.ref) return;
    const seen = `refs/sst-state/seen/heads/${up.branch}`;
    try {
      await git(["fetch", "-q", "--no-tags", "--no-write-fetch-head", up.remote, `+${up.ref}:${seen}`]);
    } catch (e) {
      if (e instanceof GitError) return;
      throw e;
    }
    const theirs = await committedBlob(seen, file);
    if (theirs === headBlob) return;
    const behind = await git(["merge-base", "--is-ancestor", seen, "HEAD"]).then(() => false, () => true);
    if (!behind) return;
    const tip = await git.text(["rev-parse", "--short", seen]);
    throw new RemoteStateAheadError(
      `${up.remote}/${shortRef(up.ref)} has a newer ${file} (commit ${tip}) than this checkout; nothing was written.`,
      `Bring the checkout up to date (\`git -C ${top} pull --ff-only\`), look at \`history\` again and ask for the restore again.`,
    );
  };

  const store: GitHomeStore = {
    home: "git",
    ...directory,
    top,
    git,
    layout: () => layout()?.kind,
    repoPath,

    async readCurrent(app, stage): Promise<CurrentState> {
      need();
      const path = stateFile(app, stage);
      access("read", stateKeys.app(app, stage));
      const cur = await readWorking(path);
      if (!cur) throw await notFound(app, stage);
      return { bytes: decodeStored(cur.raw), token: await blobOf(path, cur.raw), time: cur.mtime };
    },

    async listVersions(app, stage) {
      const l = need();
      const file = stateFile(app, stage);
      const [snapPrefix, histPrefix, updPrefix] = l.kind === "sst" ? (["snapshot", "history", "update"] as const).map((k) => repoPath(k, app, stage)!) : [];
      access("list", stateKeys.app(app, stage));
      const [commits, working, headBlob, abbrev] = await Promise.all([
        logOf([file, ...[snapPrefix, histPrefix, updPrefix].filter((x): x is string => !!x)]),
        readWorking(file),
        committedBlob("HEAD", file),
        // --raw needs full blob ids (--no-abbrev), which lengthens %h too: git's own short length
        git.text(["rev-parse", "--short", "HEAD"]).then((x) => x.length, () => 7),
      ]);
      for (const c of commits) c.short = c.sha.slice(0, abbrev);
      const under = (path: string, prefix: string | undefined) => !!prefix && path.startsWith(prefix);
      /** SST's snapshot (or legacy history entry) a change adds, with its time */
      const snapshotOf = (c: Commit["changes"][number]) => {
        if (c.status === "D") return undefined;
        if (under(c.path, snapPrefix)) {
          const id = updateIdOfKey(c.path);
          return id ? { id, ms: updateIdTime(id), history: false, path: c.path, blob: c.blob } : undefined;
        }
        const h = under(c.path, histPrefix) ? legacyHistoryOfKey(c.path) : undefined;
        return h ? { id: h.id, ms: h.ms, history: true, path: c.path, blob: c.blob } : undefined;
      };
      // The state file's blob at each commit (oldest first), to recognise a snapshot committed
      // after the state it holds (a restore writes the state, then its snapshot).
      const fileBlobAt = new Map<string, { blob: string; version?: StateVersion }>();
      let blob: { blob: string; version?: StateVersion } | undefined;
      for (const c of [...commits].reverse()) {
        const own = c.changes.find((x) => x.path === file);
        if (own) blob = own.status === "D" ? undefined : { blob: own.blob };
        if (blob) fileBlobAt.set(c.sha, blob);
      }
      const commitOf = (c: Commit) => ({ sha: c.sha, short: c.short, author: c.author, date: new Date(c.date).toISOString(), subject: c.subject });
      const versions: StateVersion[] = [];
      const used = new Set<string>();
      // newest first: the state a commit holds is a version; a commit that only adds a snapshot
      // is that snapshot's version, or names the state version holding the same bytes
      const pending: { at: string; snap: NonNullable<ReturnType<typeof snapshotOf>>; c: Commit }[] = [];
      for (const c of commits) {
        const own = c.changes.find((x) => x.path === file);
        const snaps = c.changes
          .map(snapshotOf)
          .filter((x): x is NonNullable<typeof x> => !!x && !used.has(x.id))
          .sort((a, b) => b.ms - a.ms);
        if (own && own.status !== "D") {
          // the deploy's snapshot: the one added with the same bytes (SST pushes both)
          const snap = snaps.find((x) => x.blob === own.blob);
          if (snap) used.add(snap.id);
          const updateId = snap?.id ?? c.changes.filter((x) => x.status !== "D" && under(x.path, updPrefix)).map((x) => updateIdOfKey(x.path)).filter((x): x is string => !!x).sort()[0];
          const v: StateVersion = {
            id: snap?.id ?? c.short,
            kind: snap ? (snap.history ? "history" : "snapshot") : "commit",
            ...(updateId ? { updateId } : {}),
            time: new Date(snap ? snap.ms : Date.parse(c.committed)).toISOString(),
            isCurrent: false,
            location: `${c.short}:${snap ? snap.path : file}`,
            commit: commitOf(c),
          };
          versions.push(v);
          const at = fileBlobAt.get(c.sha);
          if (at && !at.version) at.version = v;
        } else {
          for (const snap of snaps) pending.push({ at: c.sha, snap, c });
        }
      }
      // snapshot-only commits: the state version with the same bytes takes the snapshot's id
      for (const { at, snap, c } of pending) {
        if (used.has(snap.id)) continue;
        used.add(snap.id);
        const state = fileBlobAt.get(at);
        const holder = state && state.blob === snap.blob ? state.version : undefined;
        if (holder && holder.kind === "commit") {
          Object.assign(holder, { id: snap.id, kind: snap.history ? "history" : "snapshot", updateId: snap.id });
          continue;
        }
        const v: StateVersion = {
          id: snap.id,
          kind: snap.history ? "history" : "snapshot",
          updateId: snap.id,
          time: new Date(snap.ms).toISOString(),
          isCurrent: false,
          location: `${c.short}:${snap.path}`,
          commit: commitOf(c),
        };
        const next = versions.findIndex((x) => x.commit && commits.findIndex((k) => k.sha === x.commit!.sha) > commits.indexOf(c));
        versions.splice(next < 0 ? versions.length : next, 0, v);
      }
      if (!working && !versions.length) throw await notFound(app, stage);
      if (working) {
        const wblob = await blobOf(file, working.raw);
        const current = wblob === headBlob ? versions.find((v) => v.commit && fileBlobAt.get(v.commit.sha)?.version === v) : undefined;
        if (current) {
          // the current state is `latest`: first, whatever snapshots were committed after it
          current.isCurrent = true;
          versions.splice(versions.indexOf(current), 1);
          versions.unshift(current);
        } else {
          versions.unshift({ id: "uncommitted", kind: "uncommitted", time: working.mtime, isCurrent: true, location: `${file} (working tree, not committed)`, size: working.raw.length });
        }
      }
      // join update records (SST's layout keeps them in the work tree)
      if (l.kind === "sst") {
        await Promise.all(
          versions.map(async (v) => {
            if (v.kind === "history") {
              // SST <= v3.2.47's update record of a legacy entry: summary/<app>/<stage>/<cuid2>.json
              const key = stateKeys.summary(app, stage, v.id);
              const raw = await readWorking(posix.join(toRepo(l.stateRoot), key));
              if (raw) v.update = summaryToUpdate(parseSmallJson<Record<string, unknown>>(raw.raw, key), key);
              return;
            }
            if (!v.updateId) return;
            const u = await l.local.readUpdate(app, stage, v.updateId);
            if (u) v.update = u;
          }),
        );
      }
      return versions;
    },

    async readVersion(app, stage, version) {
      need();
      const file = stateFile(app, stage);
      access("read", stateKeys.app(app, stage));
      if (!version.commit) {
        const cur = await readWorking(file);
        if (!cur) throw new VersionNotFoundError(version.id, `${abs(file)} no longer exists.`);
        return decodeStored(cur.raw);
      }
      // `<short sha>:<path>`: the state file, or the snapshot a snapshot-only commit added
      const path = version.location.slice(version.location.indexOf(":") + 1) || file;
      try {
        return decodeStored(asBytes((await git(["cat-file", "blob", `${version.commit.sha}:${path}`])).stdout));
      } catch (e) {
        if (e instanceof GitError) throw new VersionNotFoundError(version.id, `commit ${version.commit.short} has no ${file} (was the history rewritten?).`);
        throw e;
      }
    },

    async listObjectVersions() {
      return { versions: [] };
    },
    async readObjectVersion(app, stage, versionId) {
      throw new VersionNotFoundError(versionId, `a git home has no S3 object versions; name a version by latest, previous, ~N, an updateID or a commit sha (prefix).`);
    },

    async readSstLock(app, stage) {
      const l = need();
      return l.kind === "sst" ? l.local.readSstLock(app, stage) : null;
    },
    async readUpdate(app, stage, updateId) {
      const l = need();
      return l.kind === "sst" ? l.local.readUpdate(app, stage, updateId) : null;
    },
    async listUpdates(app, stage, limit) {
      const l = need();
      return l.kind === "sst" ? l.local.listUpdates(app, stage, limit) : [];
    },

    async writeCurrent(app, stage, bytes, expectToken, note?: WriteNote) {
      need();
      const file = stateFile(app, stage);
      access("write", stateKeys.app(app, stage));
      const cur = await readWorking(file);
      if (!cur) throw await notFound(app, stage);
      const [blob, headBlob] = await Promise.all([blobOf(file, cur.raw), committedBlob("HEAD", file)]);
      if (blob !== headBlob) throw new UncommittedStateError(file);
      if (blob !== expectToken) {
        throw new StateChangedError(`${file} changed since it was read (blob ${expectToken.slice(0, 12)} → ${blob.slice(0, 12)}); nothing was written.`);
      }
      await checkRemote(file, headBlob);
      let target = note?.target;
      if (target) {
        const named = (await store.listVersions(app, stage)).find((v) => v.id === target || v.commit?.sha.startsWith(target!));
        if (named?.commit && named.commit.short !== target) target = `${named.commit.short} (${target})`;
      }
      const who = [note?.requestedBy ? `requested by ${note.requestedBy}` : "", note?.approvedBy ? `approved by ${note.approvedBy}` : ""].filter(Boolean).join(", ");
      const message = target ? `sst-state: restore ${stage} to ${target}${who ? ` (${who})` : ""}` : `sst-state: write ${stage}${who ? ` (${who})` : ""}`;
      // temp file + rename: SST or a reader never sees half a file
      const path = abs(file);
      const tmp = `${path}.sst-state-${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
      try {
        await writeFile(tmp, bytes, { flag: "wx" });
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw new StoreUnavailableError(`Could not write ${path}: ${(e as Error).message}`, `Check that ${dir} is writable; nothing was committed.`, e);
      }
      // commit only this path (`--only`), without hooks: the commit must hold exactly these bytes
      await git(["add", "--", file]);
      await git(["commit", "-q", "--no-verify", "--only", "-m", message, "--", file]);
      const written = await committedBlob("HEAD", file);
      return { bytes: decodeStored(bytes), token: written ?? (await blobOf(file, bytes)), time: new Date().toISOString() };
    },

    async putSstLock(app, stage, lock) {
      const l = need();
      // The flat layout keeps no SST lock: SST's lock lives in the runner's home during a deploy.
      if (l.kind === "sst") await l.local.putSstLock(app, stage, lock);
    },
    async deleteSstLock(app, stage, updateID) {
      const l = need();
      if (l.kind === "sst") await l.local.deleteSstLock(app, stage, updateID);
    },
    async writeSnapshot(app, stage, updateId, bytes) {
      const l = need();
      // The flat layout keeps no snapshots: its commits are its versions.
      if (l.kind !== "sst") return;
      const path = posix.join(repoPath("snapshot", app, stage)!, `${updateId}.json`);
      access("write", stateKeys.snapshot(app, stage, updateId));
      if (existsSync(abs(path)) || (await committedBlob("HEAD", path))) throw snapshotExists(path);
      await l.local.writeSnapshot(app, stage, updateId, bytes);
      await git(["add", "--", path]);
      await git(["commit", "-q", "--no-verify", "--only", "-m", `sst-state: snapshot ${updateId} of ${stage}`, "--", path]);
    },
    async writeUpdate(app, stage, record) {
      const l = need();
      if (l.kind === "sst") await l.local.writeUpdate(app, stage, record);
    },

    async publish() {
      const up = await upstreamOf();
      const head = await git.text(["rev-parse", "--short", "HEAD"]);
      if (!up.branch) return { pushed: false, message: `The restore is commit ${head} on a detached HEAD in ${top}: push it to your branch (\`git push <remote> ${head}:<branch>\`).` };
      if (!up.remote || !up.ref) {
        const remotes = (await git.text(["remote"])).split("\n").filter(Boolean);
        return {
          pushed: false,
          message: remotes.length
            ? `The restore is commit ${head} on ${up.branch} in ${top}, which tracks no remote branch, so it was not pushed: \`git push ${remotes.includes("origin") ? "origin" : remotes[0]} ${up.branch}\`.`
            : `The restore is commit ${head} on ${up.branch} in ${top}; the repository has no remote, so there is nothing to push.`,
        };
      }
      const where = `${up.remote}/${shortRef(up.ref)}`;
      try {
        // never forced: a branch that moved refuses the push, and the commit stays here
        await git(["push", "-q", "--porcelain", up.remote, `HEAD:${up.ref}`]);
        return { pushed: true, message: `Pushed commit ${head} to ${where}.` };
      } catch (e) {
        if (!(e instanceof GitError)) throw e;
        const why = `${e.stdout}\n${e.stderr}`.trim().split("\n").filter((l) => l.startsWith("!") || /rejected|error|fatal/.test(l)).slice(-1)[0]?.replace(/^!\s*/, "") ?? "no output";
        return {
          pushed: false,
          message: `The restore is commit ${head} on ${up.branch} in ${top}, but pushing it to ${where} failed (${why.trim()}). Push it yourself: \`git -C ${top} pull --rebase ${up.remote} ${shortRef(up.ref)} && git -C ${top} push ${up.remote} HEAD:${shortRef(up.ref)}\`.`,
        };
      }
    },

    async passphraseInGit(app, stage) {
      if (!layout()) return null;
      const path = repoPath("passphrase", app, stage);
      if (!path) return null;
      const [tracked, first] = await Promise.all([
        git.text(["ls-files", "--", path]).then((o) => o.length > 0),
        git.text(["log", "--format=%h", "--diff-filter=A", "--", path]).then((o) => o.split("\n").filter(Boolean).pop() ?? null, () => null),
      ]);
      return tracked || first ? { path, tracked, firstCommit: first, stateDir: toRepo(dir) || "." } : null;
    },
  };
  return store;
}
