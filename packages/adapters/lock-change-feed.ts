/**
 * A change feed of the lock items for tables without a stream (dynalite, i.e. the embedded store
 * behind `serve`): every `intervalMs` (default 2 s) a paged, consistent Scan of the items whose
 * `pk` begins with `LOCK#`, compared with the previous Scan. Each difference becomes a record in
 * the shape of a DynamoDB stream record (INSERT / MODIFY / REMOVE with OldImage / NewImage), and
 * `lockEventsFromStreamRecords` (lock-stream.ts) turns them into LockEvents: ONE mapping from item
 * changes to events, whether the changes come from a stream or from here.
 *
 *   previous scan              this scan                       synthesized record(s)
 *   (none)                     item                            INSERT  new
 *   item A                     item B ≠ A                      MODIFY  A → B
 *   item                       (none)                          REMOVE  old
 *   unchanged                  unchanged                       nothing
 *   A (any), token n           released, token m ≠ n           MODIFY  A → B', MODIFY B' → B
 *   (none)                     released                        INSERT  B', MODIFY B' → B
 *
 * The last two rows: a lease taken AND released between two scans (a short `sst-state run`)
 * would otherwise vanish (released → released says nothing). B' is the released item as it was
 * while held (`released` false; releasedAt, outcome, forcedBy, forceReason removed), so both the
 * acquisition and the release are announced. Acquisitions of intermediate tokens that were also
 * released before the next scan cannot be seen; polling only sees the latest state.
 *
 * - The first successful scan is the baseline: what is already there (leases held before `serve`
 *   started) is not announced.
 * - The baseline moves on every successful scan, so nothing is announced twice across polls. A
 *   failed scan (store unreachable) keeps the old baseline: the next successful scan announces
 *   what changed meanwhile, once.
 * - Polls never overlap (`pollOnce` waits for a poll in flight); the timer does not keep the
 *   process alive. `onEvents` is awaited (the announcer posts in order) and its failures go to
 *   `onError`; they never stop the feed.
 */
import { marshall } from "@aws-sdk/util-dynamodb";
import type { LockEvent } from "@sst-state/core/lock";
import { heldItemOf, leaseRecordFromItem, lockPkOf, LOCK_PK_PREFIX, type LockItem } from "./lock-item.ts";
import { lockEventsFromStreamRecords, type LockStreamRecord } from "./lock-stream.ts";
import { pages } from "./table-client.ts";
import { tableClientOf, type TableClientLike } from "./table-client-of.ts";

export interface LockChangeFeedOptions {
  client: TableClientLike;
  tableName: string;
  /** between the end of one poll and the start of the next (default 2000) */
  intervalMs?: number;
  /** the events of one poll, in order; only called when there are some */
  onEvents: (events: LockEvent[]) => unknown;
  /** a poll that failed, or an `onEvents` that threw (default: console.warn) */
  onError?: (error: unknown) => void;
  /** Scan page size (`Limit`); default: the server's (1 MB pages) */
  pageSize?: number;
}

export interface LockChangeFeed {
  /** Take the baseline (awaited; a failure goes to onError and the next poll retries), then poll on a timer. */
  start(): Promise<void>;
  /** Stop the timer and wait for a poll in flight. */
  stop(): Promise<void>;
  /** Poll now: scan, diff, deliver to onEvents. Returns the events of this poll (none for the baseline). */
  pollOnce(): Promise<LockEvent[]>;
}

/** A stable text for comparing two items (attribute order does not matter). */
function fingerprint(item: LockItem): string {
  return JSON.stringify(Object.keys(item).sort().map((k) => [k, item[k]]));
}

/** Differences between two scans (maps pk → item) as stream-shaped records, in pk order. */
function diffLockSnapshots(before: ReadonlyMap<string, LockItem>, after: ReadonlyMap<string, LockItem>): LockStreamRecord[] {
  const records: LockStreamRecord[] = [];
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const rec = (eventName: "INSERT" | "MODIFY" | "REMOVE", oldImage: LockItem | undefined, newImage: LockItem | undefined, keyOf: LockItem): LockStreamRecord => ({
    eventName,
    dynamodb: { Keys: { pk: keyOf.pk, sk: keyOf.sk }, ...(oldImage ? { OldImage: oldImage } : {}), ...(newImage ? { NewImage: newImage } : {}) },
  });
  for (const key of keys) {
    const old = before.get(key);
    const cur = after.get(key);
    if (!cur) {
      if (old) records.push(rec("REMOVE", old, undefined, old));
      continue;
    }
    if (old && fingerprint(old) === fingerprint(cur)) continue;
    const current = leaseRecordFromItem(cur);
    if (current.released && (!old || leaseRecordFromItem(old).token !== current.token)) {
      // Taken and released between two scans: say both.
      const held = heldItemOf(cur);
      records.push(old ? rec("MODIFY", old, held, cur) : rec("INSERT", undefined, held, cur));
      records.push(rec("MODIFY", held, cur, cur));
      continue;
    }
    records.push(old ? rec("MODIFY", old, cur, cur) : rec("INSERT", undefined, cur, cur));
  }
  return records;
}

export function createLockChangeFeed(opts: LockChangeFeedOptions): LockChangeFeed {
  const client = tableClientOf(opts.client);
  const intervalMs = opts.intervalMs ?? 2_000;
  const onError = opts.onError ?? ((e: unknown) => console.warn("lock change feed:", (e as Error)?.message ?? e));
  let baseline: Map<string, LockItem> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let chain: Promise<unknown> = Promise.resolve();

  async function scan(): Promise<Map<string, LockItem>> {
    const items = new Map<string, LockItem>();
    const scan = pages(
      client,
      "Scan",
      {
        TableName: opts.tableName,
        ConsistentRead: true,
        FilterExpression: "begins_with(#pk, :prefix)",
        ExpressionAttributeNames: { "#pk": "pk" },
        ExpressionAttributeValues: marshall({ ":prefix": LOCK_PK_PREFIX }),
      },
      opts.pageSize,
    );
    for await (const page of scan) {
      for (const item of page.Items ?? []) {
        const pk = lockPkOf(item);
        if (pk) items.set(pk, item);
      }
    }
    return items;
  }

  async function poll(): Promise<LockEvent[]> {
    const now = await scan();
    const before = baseline;
    baseline = now;
    if (!before) return [];
    const events = lockEventsFromStreamRecords(diffLockSnapshots(before, now));
    if (events.length) {
      try {
        await opts.onEvents(events);
      } catch (e) {
        onError(e);
      }
    }
    return events;
  }

  /** One poll at a time, in call order. */
  const pollOnce = (): Promise<LockEvent[]> => {
    const p = chain.then(poll);
    chain = p.catch(() => {});
    return p;
  };

  const schedule = () => {
    if (!running) return;
    timer = setTimeout(() => {
      timer = undefined;
      void pollOnce()
        .catch(onError)
        .finally(schedule);
    }, intervalMs);
    (timer as { unref?: () => void }).unref?.();
  };

  return {
    async start() {
      if (running) return;
      running = true;
      await pollOnce().catch(onError);
      schedule();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await chain;
    },
    pollOnce,
  };
}
