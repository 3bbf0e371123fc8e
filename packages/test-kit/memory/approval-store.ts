/**
 * In-memory ApprovalStore: the same conditional transitions as the DynamoDB one, atomic because
 * each call checks and writes within one synchronous step. Records are copied in and out so a
 * caller can never change a stored request by mutating what it got back.
 */
import type { ApprovalStore, RestoreRequest, RestoreStatus, TransitionResult } from "@sst-state/core/restore/ports";

const copy = <T>(v: T): T => structuredClone(v);

/** Shared by both implementations: may `request` leave `from` for `to` at `now`? */
export function transitionAllowed(request: RestoreRequest, from: RestoreStatus, to: RestoreStatus, now: number): boolean {
  if (request.status !== from) return false;
  if (from === "pending" && from !== to) {
    const expires = Date.parse(request.expiresAt);
    return to === "expired" ? expires <= now : expires > now;
  }
  return true;
}

export function createMemoryApprovalStore(initial: RestoreRequest[] = []): ApprovalStore & { all(): RestoreRequest[] } {
  const items = new Map<string, RestoreRequest>(initial.map((r) => [r.id, copy(r)]));
  const list = (status: RestoreStatus, filter: { app?: string; stage?: string }) =>
    [...items.values()]
      .filter((r) => r.status === status && (!filter.app || r.app === filter.app) && (!filter.stage || r.stage === filter.stage))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map(copy);
  return {
    async create(request) {
      if (items.has(request.id)) throw new Error(`restore request ${request.id} already exists`);
      items.set(request.id, copy(request));
    },
    async get(id) {
      const r = items.get(id);
      return r ? copy(r) : null;
    },
    async transition(id, from, to, fields, now): Promise<TransitionResult> {
      const current = items.get(id);
      if (!current || !transitionAllowed(current, from, to, now)) return { ok: false, request: current ? copy(current) : null };
      const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      const next: RestoreRequest = { ...current, ...copy(defined), status: to };
      items.set(id, next);
      return { ok: true, request: copy(next) };
    },
    async listPending(filter = {}) {
      return list("pending", filter);
    },
    async listApproved(filter = {}) {
      return list("approved", filter);
    },
    all() {
      return [...items.values()].map(copy);
    },
  };
}
