/**
 * LockStore on a git remote (DESIGN §3 "Locks without a cloud service"): the lease of a stage is
 * the commit that `refs/sst-state/locks/<app>/<stage>` points to on the remote (per app and stage,
 * like every LockStore: two apps in one repository do not block each other), and it only ever
 * moves by compare-and-swap:
 *
 *   git push --force-with-lease=<ref>:<the sha we read> <remote> <new sha>:<ref>
 *
 * The server applies the update only if the ref still has the sha we read (an empty expected sha
 * means "must not exist yet"): atomic on every git server, since receive-pack checks the old value
 * under its ref lock. Two acquirers that read the same free lease both push; exactly one wins and
 * the other re-reads and sees the winner's live lease.
 *
 * Each lock commit has an empty tree, the previous lock commit as parent (the ref's log is the
 * lock's history) and a message whose body is the lease record as JSON: holder, reason, run URL,
 * fencing token, acquiredAt, expiresAt, released / forced. The token is the previous one + 1 and
 * never resets (a released lease is a new commit, the ref is never deleted), as in every
 * LockStore (core/lock/lease.ts). Expiry compares the lease's expiresAt with the caller's clock.
 *
 * `pushAtomically` lets the holder push other refs (the state commit on the branch) in the same
 * `git push --atomic` as a lease update: the branch moves only if the lease is still ours — the
 * fencing token is checked by the server, not by a hopeful read before the push.
 */
import { StoreUnavailableError } from "@sst-state/core/errors";
import { isLive, leaseOf, nextLease } from "@sst-state/core/lock";
import type { AcquireRequest, AcquireResult, Lease, LeaseRecord, LockStore } from "@sst-state/core/lock/types";
import { GitError, type Git } from "./git.ts";

export interface GitLockStoreOptions {
  git: Git;
  /** the remote that holds the lock refs (default `origin`) */
  remote?: string;
}

export interface GitLockStore extends LockStore {
  readonly remote: string;
  refOf(app: string, stage: string): string;
  /**
   * Move the stage's lease to `next(record)` and push `refspecs` in one atomic push, only if the
   * lease is still the one with `token`. `ok: false` when the lease is no longer ours (`lost`) or a
   * ref in `refspecs` was rejected (`rejected`, e.g. the branch moved); nothing was changed then.
   */
  pushAtomically(
    app: string,
    stage: string,
    token: number,
    next: (record: LeaseRecord) => LeaseRecord,
    refspecs: string[],
  ): Promise<{ ok: true; lock: LeaseRecord } | { ok: false; why: "lost" | "rejected"; detail: string; lock: LeaseRecord | null }>;
}

const REF_PREFIX = "refs/sst-state/locks/";
/** where fetched lock refs are kept locally (never pushed; outside refs/sst-state/locks/) */
const SEEN_PREFIX = "refs/sst-state/seen/locks/";

type Read = { sha: string; record: LeaseRecord } | null;


/**
 * A push the server refused for a ref (CAS lost, non-fast-forward, two creators at once), as
 * opposed to one that never reached it (network, credentials). `--porcelain` prints one line per
 * ref on stdout, `!` for each refused one.
 */
function isRejection(e: unknown): boolean {
  if (!(e instanceof GitError)) return false;
  return /^!\t/m.test(e.stdout) || /cannot lock ref|\[rejected\]|\[remote rejected\]|stale info/.test(e.stderr);
}

export function createGitLockStore(opts: GitLockStoreOptions): GitLockStore {
  const { git } = opts;
  const remote = opts.remote ?? "origin";
  const refOf = (app: string, stage: string) => `${REF_PREFIX}${app}/${stage}`;
  let emptyTree: Promise<string> | undefined;
  /**
   * The lease this process last read or wrote, per stage. A write may start from it instead of
   * reading the remote first (a holder's heartbeats and release): the CAS still checks it on the
   * server, and a stale guess only costs a retry with a fresh read. A guess never decides a
   * refusal: when the change would not write, the remote is read first.
   */
  const known = new Map<string, NonNullable<Read>>();

  const unreachable = (e: unknown, what: string) =>
    new StoreUnavailableError(
      `Could not ${what} on the git remote "${remote}": ${e instanceof GitError ? e.stderr.trim().split("\n").slice(-2).join(" ") : (e as Error).message}`,
      `Check that \`git ls-remote ${remote}\` works from ${git.cwd} (network, credentials with push access).`,
      e,
    );

  /** the lease on the remote: one fetch of the ref into a local one, one log for sha + body */
  async function read(app: string, stage: string): Promise<Read> {
    const ref = refOf(app, stage);
    const seen = `${SEEN_PREFIX}${app}/${stage}`;
    // the empty tree every lock commit uses, looked up while the fetch runs (once per process)
    if (!emptyTree) {
      emptyTree = git.text(["mktree"], { input: "" });
      emptyTree.catch(() => {}); // a failure surfaces where it is awaited (commitOf)
    }
    try {
      await git(["fetch", "-q", "--no-tags", "--no-write-fetch-head", remote, `+${ref}:${seen}`]);
    } catch (e) {
      if (e instanceof GitError && /couldn't find remote ref|no such ref/i.test(e.stderr)) return null;
      throw unreachable(e, `read the lock of ${app}/${stage}`);
    }
    const out = await git.text(["log", "-1", "--format=%H%n%b", seen]);
    const nl = out.indexOf("\n");
    const sha = out.slice(0, nl < 0 ? undefined : nl);
    try {
      const found = { sha, record: JSON.parse(out.slice(nl + 1)) as LeaseRecord };
      known.set(`${app}/${stage}`, found);
      return found;
    } catch (e) {
      throw new StoreUnavailableError(
        `${ref} on "${remote}" points to ${sha.slice(0, 12)}, which holds no sst-state lease.`,
        `Someone else wrote that ref. Inspect it (\`git fetch ${remote} ${ref} && git log -1 FETCH_HEAD\`), then break it with \`git push ${remote} :${ref}\` if it is not in use.`,
        e,
      );
    }
  }

  async function commitOf(record: LeaseRecord, parent: string | undefined): Promise<string> {
    emptyTree ??= git.text(["mktree"], { input: "" });
    const what = record.forcedBy ? `force-released by ${record.forcedBy}` : record.released ? "released" : `held by ${record.holder}`;
    const message = `sst-state lock ${record.app}/${record.stage}: ${what} (token ${record.token})\n\n${JSON.stringify(record, null, 2)}\n`;
    return git.text(["commit-tree", await emptyTree, ...(parent ? ["-p", parent] : []), "-F", "-"], { input: message });
  }

  /** push `sha` to the stage's ref only if the remote still has `expected` there (CAS) */
  async function cas(app: string, stage: string, expected: string | undefined, sha: string, extra: string[] = []): Promise<{ ok: true } | { ok: false; detail: string }> {
    const ref = refOf(app, stage);
    try {
      await git(["push", "-q", "--porcelain", ...(extra.length ? ["--atomic"] : []), `--force-with-lease=${ref}:${expected ?? ""}`, remote, `${sha}:${ref}`, ...extra]);
      return { ok: true };
    } catch (e) {
      if (isRejection(e)) return { ok: false, detail: `${(e as GitError).stdout}\n${(e as GitError).stderr}`.trim() };
      throw unreachable(e, `update the lock of ${app}/${stage}`);
    }
  }

  /** read → change → CAS, retried when another writer got in between */
  async function update(app: string, stage: string, change: (cur: Read) => LeaseRecord | null): Promise<{ wrote: LeaseRecord | null; cur: Read }> {
    const key = `${app}/${stage}`;
    for (let attempt = 0; ; attempt++) {
      const guess = attempt === 0 ? known.get(key) : undefined;
      const cur = guess && change(guess) ? guess : await read(app, stage);
      const next = change(cur);
      if (!next) return { wrote: null, cur };
      const sha = await commitOf(next, cur?.sha);
      const res = await cas(app, stage, cur?.sha, sha);
      if (res.ok) known.set(key, { sha, record: next });
      if (res.ok) return { wrote: next, cur };
      if (attempt >= 20) throw new StoreUnavailableError(`The lock of ${stage} kept changing while sst-state tried to update it.`, "Try again in a moment.");
    }
  }

  const store: GitLockStore = {
    remote,
    refOf,
    async acquire(req: AcquireRequest, now: number): Promise<AcquireResult> {
      let held: LeaseRecord | undefined;
      let tookOver: LeaseRecord | undefined;
      const { wrote } = await update(req.app, req.stage, (cur) => {
        held = undefined;
        tookOver = undefined;
        if (cur && isLive(cur.record, now)) {
          held = cur.record;
          return null;
        }
        if (cur && !cur.record.released) tookOver = cur.record;
        return { ...nextLease(req, cur?.record.token, now), released: false };
      });
      if (!wrote) return { acquired: false, lock: leaseOf(held!) };
      return { acquired: true, lock: leaseOf(wrote), ...(tookOver ? { tookOver: leaseOf(tookOver) } : {}) };
    },
    async heartbeat(app, stage, token, ttlMs, now) {
      const { wrote, cur } = await update(app, stage, (c) =>
        c && c.record.token === token && !c.record.released ? { ...c.record, expiresAt: new Date(now + ttlMs).toISOString() } : null,
      );
      return wrote ? { ok: true as const, lock: leaseOf(wrote) } : { ok: false as const, lock: cur && isLive(cur.record, now) ? leaseOf(cur.record) : null };
    },
    async release(app, stage, token, now, outcome) {
      const { wrote, cur } = await update(app, stage, (c) =>
        c && c.record.token === token && !c.record.released
          ? { ...c.record, released: true, releasedAt: new Date(now).toISOString(), ...(outcome ? { outcome } : {}) }
          : null,
      );
      return wrote ? { released: true as const, lock: leaseOf(wrote) } : { released: false as const, lock: cur && isLive(cur.record, now) ? leaseOf(cur.record) : null };
    },
    async forceRelease(app, stage, by, reason, now) {
      const { wrote } = await update(app, stage, (c) =>
        c && isLive(c.record, now) ? { ...c.record, released: true, releasedAt: new Date(now).toISOString(), forcedBy: by, forceReason: reason } : null,
      );
      return wrote ? leaseOf(wrote) : null;
    },
    async get(app, stage, now) {
      const cur = await read(app, stage);
      return cur && isLive(cur.record, now) ? leaseOf(cur.record) : null;
    },
    async list(now, app) {
      let names: string;
      try {
        names = await git.text(["ls-remote", "--refs", remote, `${REF_PREFIX}${app ? `${app}/` : ""}*`]);
      } catch (e) {
        throw unreachable(e, "list the locks");
      }
      const keys = names
        .split("\n")
        .map((l) => l.split("\t")[1] ?? "")
        .filter((r) => r.startsWith(REF_PREFIX))
        .map((r) => r.slice(REF_PREFIX.length).split("/"))
        .filter((k): k is [string, string] => k.length === 2);
      const out: Lease[] = [];
      for (const [a, s] of keys) {
        const cur = await read(a, s);
        if (cur && isLive(cur.record, now)) out.push(leaseOf(cur.record));
      }
      return out;
    },
    async inspect(app, stage) {
      return (await read(app, stage))?.record ?? null;
    },
    async pushAtomically(app, stage, token, next, refspecs) {
      const guess = known.get(`${app}/${stage}`);
      const cur = guess && guess.record.token === token && !guess.record.released ? guess : await read(app, stage);
      if (!cur || cur.record.token !== token || cur.record.released) {
        return { ok: false, why: "lost", detail: cur ? `the lock is now token ${cur.record.token} (${cur.record.released ? "released" : `held by ${cur.record.holder}`})` : "the lock ref is gone", lock: cur?.record ?? null };
      }
      const record = next(cur.record);
      const sha = await commitOf(record, cur.sha);
      const res = await cas(app, stage, cur.sha, sha, refspecs);
      if (res.ok) {
        known.set(`${app}/${stage}`, { sha, record });
        return { ok: true, lock: record };
      }
      // which one failed? re-read the lease: still ours → another ref (the branch) was rejected
      const after = await read(app, stage);
      const stillOurs = after?.sha === cur.sha;
      return { ok: false, why: stillOurs ? "rejected" : "lost", detail: res.detail, lock: after?.record ?? null };
    },
  };
  return store;
}

/** The remote that holds the git lock: `run --git --remote`, else SST_STATE_GIT_REMOTE, else origin. */
export function gitLockRemote(env: Record<string, string | undefined>, flag?: unknown): string {
  return typeof flag === "string" && flag ? flag : env.SST_STATE_GIT_REMOTE || "origin";
}

/**
 * The deploy lock rule for a git home (DESIGN §5 "Which lock"): without SST_STATE_TABLE, the lock
 * ref on the git remote of the home's work tree; with a table (or on another home), undefined:
 * the table's lock.
 */
export function gitLockStoreOf(env: Record<string, string | undefined>, store: { home: string; git?: Git }, remote = gitLockRemote(env)): GitLockStore | undefined {
  if (env.SST_STATE_TABLE || store.home !== "git" || !store.git) return undefined;
  return createGitLockStore({ git: store.git, remote });
}
