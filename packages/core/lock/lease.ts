/**
 * Deploy locks: the lease protocol (DESIGN §3 "Locks", issue "Deploy locks in DynamoDB, announced
 * in Slack"). Stores implement `LockStore` (types.ts) with single conditional writes; this file
 * holds the rules every store follows, the `createLocker` facade the CLI / Slack / `run` use, and
 * `keepAlive`.
 *
 * One record per `<app>/<stage>` (DynamoDB: `pk=LOCK#<app>/<stage>`, `sk=LOCK`). It is created by
 * the first acquisition and never deleted: release and force-release only mark it `released`, so
 * the fencing token keeps counting.
 *
 *   time ─────────────────────────────────────────────────────────────────────────────────────▶
 *
 *   A: acquire(ttl)        heartbeat      heartbeat            release(token 7)
 *        │ token 6→7           │              │                    │
 *        ▼                     ▼              ▼                    ▼
 *        ├──── live (7) ───────┼──────────────┼────────────────────┤ released (7) ·····
 *        │◀─ ttl ─▶ expiresAt moves forward on every heartbeat     │
 *   B:       acquire ✗ {acquired:false, lock: A's lease, reason "prod is locked by A since …"}
 *                                                                  B: acquire ✓ token 8
 *
 *   A crashes (no heartbeat, no release):
 *        ├──── live (7) ────────────┤ expiresAt ···· expired (7) ·····┤
 *                                   (nothing is written at expiry)    B: acquire ✓ token 8,
 *                                                                        tookOver = A's lease
 *        A comes back: heartbeat(7) ✗ / release(7) ✗ — token 8 is current; A learns it lost.
 *
 *   Force unlock (C, "CI job hung"):  live (7) ─┤ released (7), forcedBy C, forceReason …
 *
 * Rules (every store, memory or DynamoDB, passes `tests/contract/lock-store.contract.ts`):
 * - acquire is ONE conditional write that succeeds only if there is no record, or the record is
 *   released, or `expiresAt < now`; it sets token = old token + 1 (1 for a new record). On
 *   failure it returns the current holder. Contention is a result, never an exception.
 * - a lease is live while `now <= expiresAt` and it is not released (`isLive`).
 * - heartbeat and release are conditional on `token` (and not released). A heartbeat on an
 *   expired lease that nobody took over succeeds: the unchanged token proves nobody else held it.
 * - forceRelease ignores the token, marks the record released and records `forcedBy`/`forceReason`.
 *
 * Why the token can never go back (TTL): the table has a TTL attribute (`ttl`), but lock records
 * never carry it, so DynamoDB's TTL sweeper never deletes them. If a record were deleted (by hand,
 * or by a future TTL), the next acquisition would restart at token 1 and a holder that still had
 * an old token 1 could release the new lease; keeping the one small record per stage forever makes
 * the token a per-stage counter. (A REMOVE of an unreleased lease is still announced as `expired`.)
 */
import type { AcquireRequest, Lease, LeaseRecord, LockEvent, LockStore } from "./types.ts";
import type { Clock } from "../ports.ts";
import { formatClockTime, formatDuration } from "../format.ts";
import type { Config } from "../config.ts";


/** The lease of a stored record: the Lease fields only (not how or why it ended). */
export function leaseOf(r: LeaseRecord): Lease {
  const l: Lease = { app: r.app, stage: r.stage, holder: r.holder, reason: r.reason, token: r.token, acquiredAt: r.acquiredAt, expiresAt: r.expiresAt };
  if (r.runUrl !== undefined) l.runUrl = r.runUrl;
  return l;
}

/** A lease holds while it is not released and `now <= expiresAt` (acquire needs `expiresAt < now`). */
export function isLive(lease: Pick<Lease, "expiresAt"> & { released?: boolean }, now: number): boolean {
  return !lease.released && Date.parse(lease.expiresAt) >= now;
}

/**
 * The lease an acquisition writes: `token` is the previous one + 1 (the fencing token never
 * resets, since released and expired items are kept). Shared by every LockStore.
 */
export function nextLease(req: AcquireRequest, previousToken: number | undefined, now: number): Lease {
  const lease: Lease = {
    app: req.app,
    stage: req.stage,
    holder: req.holder,
    reason: req.reason,
    token: (previousToken ?? 0) + 1,
    acquiredAt: new Date(now).toISOString(),
    expiresAt: new Date(now + req.ttlMs).toISOString(),
  };
  if (req.runUrl !== undefined) lease.runUrl = req.runUrl;
  return lease;
}

export function lockName(lease: Pick<Lease, "app" | "stage">): string {
  return `${lease.app}/${lease.stage}`;
}

// ---------------------------------------------------------------------------------------------
// Who holds it
// ---------------------------------------------------------------------------------------------

export interface HolderIdentity {
  holder: string;
  runUrl?: string;
}

/**
 * The holder to record when nobody says who: the CI identity and a link to the run, else
 * `user@host`. `machine` lets the caller pass `os.userInfo().username` / `os.hostname()` (the core
 * does not read the machine itself); otherwise USER/LOGNAME/USERNAME and HOSTNAME are used.
 */
export function defaultHolder(
  env: Record<string, string | undefined>,
  machine: { user?: string; host?: string } = {},
): HolderIdentity {
  if (env.GITHUB_ACTIONS === "true" || (env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY)) {
    const actor = env.GITHUB_ACTOR || "github-actions";
    const server = (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/+$/, "");
    const runUrl =
      env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
    const run = env.GITHUB_RUN_ID ? ` (GitHub Actions run ${env.GITHUB_RUN_ID})` : " (GitHub Actions)";
    return runUrl ? { holder: `${actor}${run}`, runUrl } : { holder: `${actor}${run}` };
  }
  if (env.GITLAB_CI === "true" || env.CI_JOB_URL) {
    const actor = env.GITLAB_USER_LOGIN || "gitlab-ci";
    const run = env.CI_JOB_ID ? ` (GitLab CI job ${env.CI_JOB_ID})` : " (GitLab CI)";
    return env.CI_JOB_URL ? { holder: `${actor}${run}`, runUrl: env.CI_JOB_URL } : { holder: `${actor}${run}` };
  }
  const user = machine.user || env.USER || env.LOGNAME || env.USERNAME || "unknown";
  const host = machine.host || env.HOSTNAME || env.COMPUTERNAME || "localhost";
  return { holder: `${user}@${host}` };
}

// ---------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------

/**
 * The ready-to-post sentence for a held lock (Atlantis style):
 * "prod is locked by U0ALICE since 12:03 (17 min ago) for 'hotfix', expires in 13 min".
 */
export function describeHeldLock(lock: Lease, now: number, opts: { timeZone?: string } = {}): string {
  const since = formatClockTime(lock.acquiredAt, opts.timeZone);
  const ago = formatDuration(now - Date.parse(lock.acquiredAt));
  const left = Date.parse(lock.expiresAt) - now;
  const expiry = left >= 0 ? `expires in ${formatDuration(left)}` : `expired ${formatDuration(-left)} ago`;
  const run = lock.runUrl ? ` (${lock.runUrl})` : "";
  return `${lock.stage} is locked by ${lock.holder} since ${since} (${ago} ago) for '${lock.reason}'${run}, ${expiry}`;
}

// ---------------------------------------------------------------------------------------------
// The facade
// ---------------------------------------------------------------------------------------------

export type LockerAcquireResult =
  | { acquired: true; lock: Lease; tookOver?: Lease; message: string }
  | { acquired: false; lock: Lease; /** ready to post */ reason: string; message: string };

export type LockerHeartbeatResult = { ok: true; lock: Lease } | { ok: false; lock: Lease | null; reason: string };

export type LockerReleaseResult =
  | { released: true; lock: Lease; heldMs: number; message: string }
  | { released: false; lock: Lease | null; reason: string };

export type LockerForceReleaseResult =
  | { released: true; lock: Lease; message: string }
  | { released: false; lock: null; reason: string };

export interface LockerAcquireRequest extends Omit<AcquireRequest, "ttlMs"> {
  /** default: the stage's `lockTtl` (the locker's `config`), else its `defaultTtlMs` (30 min) */
  ttlMs?: number;
}

export interface Locker {
  acquire(req: LockerAcquireRequest): Promise<LockerAcquireResult>;
  /** Extend by `ttlMs`, by default the lease's own length (expiresAt − acquiredAt of `lease`). */
  heartbeat(lease: Lease, ttlMs?: number): Promise<LockerHeartbeatResult>;
  release(lease: Pick<Lease, "app" | "stage" | "token">, opts?: { outcome?: string; diffSummary?: string }): Promise<LockerReleaseResult>;
  forceRelease(app: string, stage: string, by: string, reason: string): Promise<LockerForceReleaseResult>;
  get(app: string, stage: string): Promise<Lease | null>;
  list(app?: string): Promise<Lease[]>;
}

export interface LockerOptions {
  store: LockStore;
  clock: Clock;
  /** default 30 min (DEFAULT_LOCK_TTL_MS of config.ts), when there is no `config` */
  defaultTtlMs?: number;
  /** sst-state.json: a lease's default length is its stage's `lockTtl` */
  config?: Pick<Config, "policy">;
  /** for the times in messages (default UTC) */
  timeZone?: string;
  /**
   * Told about every change this locker made (acquired, released, force-released). Use it where
   * the store has no stream (memory, the embedded store behind `serve`); with DynamoDB in AWS the
   * stream announces instead. Awaited, but a failure is passed to `onEventError` and never
   * changes the result of the lock operation.
   */
  onEvent?: (event: LockEvent) => unknown;
  onEventError?: (error: unknown, event: LockEvent) => void;
}

export function createLocker(opts: LockerOptions): Locker {
  const { store, clock } = opts;
  const defaultTtlMs = opts.defaultTtlMs ?? 30 * 60_000;
  const tz = opts.timeZone === undefined ? {} : { timeZone: opts.timeZone };

  async function emit(event: LockEvent): Promise<void> {
    if (!opts.onEvent) return;
    try {
      await opts.onEvent(event);
    } catch (e) {
      try {
        opts.onEventError?.(e, event);
      } catch {
        /* a broken error handler must not break the lock operation either */
      }
    }
  }

  return {
    async acquire(req) {
      const ttlMs = req.ttlMs ?? opts.config?.policy(req.stage).lockTtlMs ?? defaultTtlMs;
      if (!(ttlMs > 0)) throw new RangeError(`ttlMs must be positive, got ${ttlMs}`);
      const now = clock.now();
      const res = await store.acquire({ ...req, ttlMs }, now);
      if (!res.acquired) {
        const reason = describeHeldLock(res.lock, now, tz);
        return { acquired: false, lock: res.lock, reason, message: reason };
      }
      const took = res.tookOver ? ` (took over the expired lock of ${res.tookOver.holder})` : "";
      const message = `${res.lock.stage} locked by ${res.lock.holder} for '${res.lock.reason}' until ${formatClockTime(res.lock.expiresAt, opts.timeZone)} (${formatDuration(ttlMs)}), token ${res.lock.token}${took}`;
      await emit(res.tookOver ? { type: "acquired", lock: res.lock, tookOver: res.tookOver } : { type: "acquired", lock: res.lock });
      return res.tookOver
        ? { acquired: true, lock: res.lock, tookOver: res.tookOver, message }
        : { acquired: true, lock: res.lock, message };
    },

    async heartbeat(lease, ttlMs) {
      const ttl = ttlMs ?? Math.max(1, Date.parse(lease.expiresAt) - Date.parse(lease.acquiredAt));
      const now = clock.now();
      const res = await store.heartbeat(lease.app, lease.stage, lease.token, ttl, now);
      if (res.ok) return { ok: true, lock: res.lock };
      return { ok: false, lock: res.lock, reason: lostReason(lease, res.lock, now) };
    },

    async release(lease, ropts = {}) {
      const now = clock.now();
      const res = await store.release(lease.app, lease.stage, lease.token, now, ropts.outcome);
      if (!res.released) return { released: false, lock: res.lock, reason: lostReason(lease, res.lock, now) };
      const heldMs = Math.max(0, now - Date.parse(res.lock.acquiredAt));
      const outcome = ropts.outcome ? ` (${ropts.outcome})` : "";
      const event: LockEvent = { type: "released", lock: res.lock, heldMs };
      if (ropts.outcome !== undefined) event.outcome = ropts.outcome;
      if (ropts.diffSummary !== undefined) event.diffSummary = ropts.diffSummary;
      await emit(event);
      return { released: true, lock: res.lock, heldMs, message: `${res.lock.stage} unlocked after ${formatDuration(heldMs)}${outcome}` };
    },

    async forceRelease(app, stage, by, reason) {
      const now = clock.now();
      const broken = await store.forceRelease(app, stage, by, reason, now);
      if (!broken) return { released: false, lock: null, reason: `${stage} is not locked` };
      await emit({ type: "force-released", lock: broken, by, reason });
      return {
        released: true,
        lock: broken,
        message: `${stage}: broke the lock of ${broken.holder} (held ${formatDuration(now - Date.parse(broken.acquiredAt))} for '${broken.reason}'): ${reason}`,
      };
    },

    get: (app, stage) => store.get(app, stage, clock.now()),
    list: (app) => store.list(clock.now(), app),
  };
}

function lostReason(mine: Pick<Lease, "stage" | "token">, current: Lease | null, now: number): string {
  if (!current) return `${mine.stage}: lock token ${mine.token} is no longer held (it was released or broken)`;
  if (current.token !== mine.token) return `${mine.stage}: lock token ${mine.token} was lost; ${describeHeldLock(current, now)} (token ${current.token})`;
  return `${mine.stage}: lock token ${mine.token} is no longer held`;
}

// ---------------------------------------------------------------------------------------------
// keepAlive: heartbeat on a timer while a deploy runs
// ---------------------------------------------------------------------------------------------

export type KeepAliveEnd = { lost: false } | { lost: true; reason: string; lock: Lease | null };

export interface KeepAlive {
  /** The lease as of the last successful heartbeat. */
  current(): Lease;
  /** Resolves once: on `stop()` with `{lost:false}`, or when the lease is lost. Never rejects. */
  readonly done: Promise<KeepAliveEnd>;
  stop(): Promise<void>;
}

export interface KeepAliveOptions {
  intervalMs: number;
  /** extension per heartbeat; default the lease's own length */
  ttlMs?: number;
  clock?: Clock;
  onLost?: (end: Extract<KeepAliveEnd, { lost: true }>) => void;
  /** a heartbeat that threw (store unreachable); keepAlive keeps trying until the lease expires */
  onError?: (error: unknown) => void;
}

/**
 * Heartbeat `lease` every `intervalMs` until `stop()`. A refused heartbeat (someone took over or
 * broke the lock) ends it as lost; a heartbeat that throws is retried on the next tick, and once
 * the lease's expiry has passed without a successful heartbeat it is reported lost too. The timer
 * does not keep the process alive on its own.
 */
export function keepAlive(locker: Locker, lease: Lease, opts: KeepAliveOptions): KeepAlive {
  const ttlMs = opts.ttlMs ?? Math.max(1, Date.parse(lease.expiresAt) - Date.parse(lease.acquiredAt));
  const now = () => (opts.clock ?? { now: () => Date.now() }).now();
  let current = lease;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let finish!: (end: KeepAliveEnd) => void;
  const done = new Promise<KeepAliveEnd>((resolve) => (finish = resolve));

  const end = (e: KeepAliveEnd) => {
    if (stopped) return;
    stopped = true;
    if (timer) clearTimeout(timer);
    finish(e);
    if (e.lost) {
      try {
        opts.onLost?.(e);
      } catch {
        /* ignore */
      }
    }
  };

  const tick = async () => {
    try {
      const res = await locker.heartbeat(current, ttlMs);
      if (stopped) return;
      if (res.ok) current = res.lock;
      else return end({ lost: true, reason: res.reason, lock: res.lock });
    } catch (e) {
      if (stopped) return;
      opts.onError?.(e);
      if (Date.parse(current.expiresAt) < now()) {
        return end({
          lost: true,
          reason: `${current.stage}: lock token ${current.token} expired while the lock store could not be reached (${(e as Error)?.message ?? e})`,
          lock: null,
        });
      }
    }
    schedule();
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = tick();
    }, opts.intervalMs);
    (timer as { unref?: () => void }).unref?.();
  };

  schedule();
  return {
    current: () => current,
    done,
    async stop() {
      end({ lost: false });
      await inFlight;
    },
  };
}
