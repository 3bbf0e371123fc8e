/**
 * Deploy locks: a lease per `<app>/<stage>` (DESIGN §3, issue "Deploy locks in DynamoDB").
 * The protocol lives in `lock/lease.ts`; stores implement LockStore with single conditional writes.
 */

export interface Lease {
  app: string;
  stage: string;
  /** Slack user (`U0ALICE` / `<@U0ALICE>`), CI identity, or `user@host` */
  holder: string;
  reason: string;
  runUrl?: string;
  /** fencing token: grows by one on every acquisition of this stage's lock */
  token: number;
  acquiredAt: string;
  expiresAt: string;
}

export type AcquireResult =
  | { acquired: true; lock: Lease; /** the expired lease this acquisition took over */ tookOver?: Lease }
  | { acquired: false; /** the current holder */ lock: Lease };

export interface AcquireRequest {
  app: string;
  stage: string;
  holder: string;
  reason: string;
  runUrl?: string;
  ttlMs: number;
}

/** `at`: when the lease ended (its `releasedAt`), when the change says so. */
export type LockEvent =
  | { type: "acquired"; lock: Lease; tookOver?: Lease }
  | { type: "released"; lock: Lease; heldMs: number; outcome?: string; diffSummary?: string; at?: string }
  | { type: "force-released"; lock: Lease; by: string; reason: string; at?: string }
  | { type: "expired"; lock: Lease };

/** A lease's end: what the announcement of its acquisition is rewritten to (no button). */
export type LockEnd = Exclude<LockEvent, { type: "acquired" }>;

/**
 * Where a lease's announcement was posted, so that its end can rewrite it in place (the
 * Release button goes, who ended it and when appear). Keyed by app, stage and fencing token.
 */
export interface AnnouncementStore {
  remember(lock: Pick<Lease, "app" | "stage" | "token">, posted: { channel: string; ts: string }): Promise<void>;
  recall(lock: Pick<Lease, "app" | "stage" | "token">): Promise<{ channel: string; ts: string } | null>;
}

/**
 * The stored record behind a lease, live or not (added after the first version of this port;
 * optional everywhere, so older implementations still type-check). A lease is never deleted on
 * release: it is marked released and keeps its token, so the next acquisition continues the count.
 */
export interface LeaseRecord extends Lease {
  released: boolean;
  releasedAt?: string;
  /** `release(…, outcome)` */
  outcome?: string;
  /** set by forceRelease */
  forcedBy?: string;
  forceReason?: string;
}

export interface LockStore {
  /** One conditional write: succeeds only if there is no live lease (none, released, or expired at `now`). */
  acquire(req: AcquireRequest, now: number): Promise<AcquireResult>;
  /** Extend the lease; only with the current token. */
  heartbeat(app: string, stage: string, token: number, ttlMs: number, now: number): Promise<{ ok: true; lock: Lease } | { ok: false; lock: Lease | null }>;
  /** Release; only with the current token (a holder that lost its lease cannot release the next one). */
  release(app: string, stage: string, token: number, now: number, outcome?: string): Promise<{ released: true; lock: Lease } | { released: false; lock: Lease | null }>;
  /** Break the lock whatever its token, recording who and why. Returns the lease that was broken. */
  forceRelease(app: string, stage: string, by: string, reason: string, now: number): Promise<Lease | null>;
  /** The live lease, or null (released or expired leases are not returned). */
  get(app: string, stage: string, now: number): Promise<Lease | null>;
  /** Every live lease, optionally for one app. */
  list(now: number, app?: string): Promise<Lease[]>;
  /**
   * The stored record whatever its state (released, expired, forced), or null when the stage was
   * never locked. Optional (added later): for `locks`/audit views and tests.
   */
  inspect?(app: string, stage: string): Promise<LeaseRecord | null>;
}
