/**
 * De-duplication of Slack deliveries: the port `IdempotencyStore` is in core/ports.ts; the table's
 * implementation is packages/adapters/dynamodb-idempotency-store.ts; this in-memory one serves
 * `serve` and tests (one process, nothing to share).
 */
import type { IdempotencyStore } from "@sst-state/core/ports";

export type { IdempotencyStore };

/** How long a claim lives: longer than Slack's retries (three within ~30 min) and response_url. */
export const DEFAULT_CLAIM_TTL_MS = 60 * 60_000;

/** In-memory claims (tests, `serve`); expired keys are swept on the way. */
export function createMemoryIdempotencyStore(opts: { now?: () => number; maxKeys?: number } = {}): IdempotencyStore & { size(): number } {
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 100_000;
  const seen = new Map<string, number>(); // key → expiry (ms); insertion order = age
  return {
    async claim(key, ttlMs) {
      const t = now();
      const expiry = seen.get(key);
      if (expiry !== undefined && expiry >= t) return false;
      seen.delete(key);
      seen.set(key, t + ttlMs);
      // sweep the oldest entries: expired ones, and beyond maxKeys the oldest regardless
      for (const [k, e] of seen) {
        if (e >= t && seen.size <= maxKeys) break;
        seen.delete(k);
      }
      return true;
    },
    size: () => seen.size,
  };
}
