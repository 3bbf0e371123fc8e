/**
 * De-duplication of Slack deliveries (DESIGN §3: "work is keyed by Slack's ids so a retry is not
 * done twice"). Slack re-sends a request it thinks was not acknowledged (`X-Slack-Retry-Num`), and
 * a user's double click sends two actions with the same ids; the worker claims the job's key
 * first and drops the job when the key was already claimed.
 *
 * The port: `claim(key, ttlMs)` is true exactly once per key while the claim lives (at least
 * `ttlMs`); an implementation must make concurrent claims of one key race safely (one winner).
 */
export interface IdempotencyStore {
  claim(key: string, ttlMs: number): Promise<boolean>;
}

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
