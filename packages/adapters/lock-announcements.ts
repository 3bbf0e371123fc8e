/**
 * Where lock announcements come from, for `sst-state serve` (DESIGN §3 "Locks": announcements
 * come from the table's change feed, so whoever takes a lock needs table access only, never a
 * Slack token):
 *
 *   table                                   who announces
 *   DynamoDB in AWS (SST_STATE_TABLE)       the stream Lambda (packages/functions/lock-announcer.ts,
 *                                           infra/announcer.ts); `serve` does nothing here
 *   embedded store (dynalite, no stream)    `serve`, by polling the lock items
 *                                           (lock-change-feed.ts) and posting what changed
 *
 * Both paths map item changes to LockEvents with the same function (lockEventsFromStreamRecords),
 * so a lock taken from Slack, from `sst-state lock` in another terminal, or by `sst-state run`
 * is announced the same way, once.
 *
 * Consequences for the embedded store:
 * - The CLI's `lock` / `unlock` / `run` do not announce anything themselves (they have no Slack
 *   token). Their changes are announced only while `serve` runs on the same `.sst-state/db` (the
 *   CLI then uses serve's store through its published endpoint, and the feed sees its writes
 *   within one interval). Changes made while no `serve` runs are not announced later: the feed's
 *   first poll is a baseline, so leases that already exist when `serve` starts are not posted.
 * - A lock taken and released between two polls is still announced as both (see the feed).
 * - `serve` must not ALSO announce through the locker's `onEvent` (botDeps' `onLockEvent`) for this
 *   store, or every change made from Slack would be posted twice. Use one or the other; this
 *   module is the one that also covers the CLI.
 * - A CI job that locks a real table (SST_STATE_TABLE, AWS credentials only) is announced by the
 *   stream Lambda; nothing runs here for it.
 */
import type { LockAnnouncer, LockEvent } from "@sst-state/core/lock";
import { createLockChangeFeed } from "./lock-change-feed.ts";
import type { TableClientLike } from "./table-client-of.ts";

export interface LockAnnouncementsOptions {
  /** `services.table()` of the CLI: the embedded store, or the table of SST_STATE_TABLE */
  table: { client: TableClientLike; tableName: string; embedded: boolean };
  announcer: Pick<LockAnnouncer, "announceAll">;
  /** poll interval for the embedded store (default 2000 ms) */
  intervalMs?: number;
  /** a poll that failed (default: console.warn); the feed keeps polling */
  onError?: (error: unknown) => void;
}

export interface LockAnnouncements {
  /** "feed": polling the embedded store; "stream": a real table, announced by the stream Lambda */
  source: "feed" | "stream";
  /** Poll now (tests, or right after a known change): the events announced; `[]` for "stream". */
  pollOnce(): Promise<LockEvent[]>;
  stop(): Promise<void>;
}

/**
 * Start announcing lock changes for `table`. Resolves once the baseline is taken (leases already
 * held are not announced). Never rejects because the store is unreachable: that goes to `onError`
 * and the next poll tries again.
 */
export async function startLockAnnouncements(opts: LockAnnouncementsOptions): Promise<LockAnnouncements> {
  if (!opts.table.embedded) {
    return { source: "stream", pollOnce: async () => [], stop: async () => {} };
  }
  const feed = createLockChangeFeed({
    client: opts.table.client,
    tableName: opts.table.tableName,
    ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
    ...(opts.onError ? { onError: opts.onError } : {}),
    onEvents: (events) => opts.announcer.announceAll(events),
  });
  await feed.start();
  return {
    source: "feed",
    pollOnce: () => feed.pollOnce(),
    stop: () => feed.stop(),
  };
}
