/**
 * In-memory LockStore (tests, and anything that needs locks without a table). Same protocol as
 * the DynamoDB store (see core/lock/lease.ts): each operation reads and writes the record in one
 * synchronous step, which is the in-process equivalent of one conditional write.
 */
import type { AcquireRequest, AcquireResult, LeaseRecord, LockStore } from "@sst-state/core/lock/types";
import { isLive, leaseOf, nextLease } from "@sst-state/core/lock/lease";

export interface MemoryLockStore extends LockStore {
  inspect(app: string, stage: string): Promise<LeaseRecord | null>;
}


const iso = (ms: number) => new Date(ms).toISOString();

export function createMemoryLockStore(): MemoryLockStore {
  const records = new Map<string, LeaseRecord>();
  const key = (app: string, stage: string) => `${app}/${stage}`;

  return {
    async acquire(req: AcquireRequest, now: number): Promise<AcquireResult> {
      const old = records.get(key(req.app, req.stage));
      // The condition of the DynamoDB write: no record, or released, or `expiresAt < now`.
      if (old && !old.released && !(Date.parse(old.expiresAt) < now)) return { acquired: false, lock: leaseOf(old) };
      const next: LeaseRecord = { ...nextLease(req, old?.token, now), released: false };
      records.set(key(req.app, req.stage), next);
      return old && !old.released ? { acquired: true, lock: leaseOf(next), tookOver: leaseOf(old) } : { acquired: true, lock: leaseOf(next) };
    },

    async heartbeat(app, stage, token, ttlMs, now) {
      const r = records.get(key(app, stage));
      if (!r || r.released || r.token !== token) return { ok: false, lock: r && isLive(r, now) ? leaseOf(r) : null };
      r.expiresAt = iso(now + ttlMs);
      return { ok: true, lock: leaseOf(r) };
    },

    async release(app, stage, token, now, outcome) {
      const r = records.get(key(app, stage));
      if (!r || r.released || r.token !== token) return { released: false, lock: r && isLive(r, now) ? leaseOf(r) : null };
      r.released = true;
      r.releasedAt = iso(now);
      if (outcome !== undefined) r.outcome = outcome;
      return { released: true, lock: leaseOf(r) };
    },

    async forceRelease(app, stage, by, reason, now) {
      const r = records.get(key(app, stage));
      if (!r || r.released) return null;
      r.released = true;
      r.releasedAt = iso(now);
      r.forcedBy = by;
      r.forceReason = reason;
      return leaseOf(r);
    },

    async get(app, stage, now) {
      const r = records.get(key(app, stage));
      return r && isLive(r, now) ? leaseOf(r) : null;
    },

    async list(now, app) {
      return [...records.values()]
        .filter((r) => (app === undefined || r.app === app) && isLive(r, now))
        .map(leaseOf)
        .sort((a, b) => a.app.localeCompare(b.app) || a.stage.localeCompare(b.stage));
    },

    async inspect(app, stage) {
      const r = records.get(key(app, stage));
      return r ? structuredClone(r) : null;
    },
  };
}
