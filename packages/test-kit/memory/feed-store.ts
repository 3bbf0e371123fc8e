/**
 * In-memory FeedStore: the same conditional moves as the DynamoDB one (dynamodb-feed-store.ts),
 * atomic because each call checks and writes within one synchronous step.
 */
import { claimStaleBefore, isFinalPhase, type DeployPhase, type FeedCursor, type FeedEntry, type FeedStore } from "@sst-state/core/feed";

const copy = <T>(v: T): T => structuredClone(v);

export function createMemoryFeedStore(): FeedStore & { entries(): FeedEntry[] } {
  const cursors = new Map<string, FeedCursor>();
  const entries = new Map<string, FeedEntry>();
  const stageKey = (app: string, stage: string) => `${app}/${stage}`;
  const key = (app: string, stage: string, id: string) => `${app}/${stage}/${id}`;
  return {
    async getCursor(app, stage) {
      const c = cursors.get(stageKey(app, stage));
      return c ? copy(c) : null;
    },
    async putCursor(app, stage, cursor) {
      cursors.set(stageKey(app, stage), copy(cursor));
    },
    async listOpen(app, stage) {
      return [...entries.values()].filter((e) => e.app === app && e.stage === stage && !isFinalPhase(e.phase)).map(copy);
    },
    async get(app, stage, id) {
      const e = entries.get(key(app, stage, id));
      return e ? copy(e) : null;
    },
    async claim(next, from: DeployPhase | null) {
      const k = key(next.app, next.stage, next.updateId);
      const current = entries.get(k) ?? null;
      const blocked = from === null ? !!current : !current || current.phase !== from || (!current.ts && current.at >= claimStaleBefore(next));
      if (blocked) return { claimed: false, current: current ? copy(current) : null };
      entries.set(k, copy(next));
      return { claimed: true };
    },
    async release(claimed, back) {
      const k = key(claimed.app, claimed.stage, claimed.updateId);
      if (entries.get(k)?.phase !== claimed.phase) return;
      if (back) entries.set(k, copy(back));
      else entries.delete(k);
    },
    async setTs(app, stage, id, ts, channel) {
      const e = entries.get(key(app, stage, id));
      if (e) entries.set(key(app, stage, id), { ...e, ts, channel });
    },
    entries: () => [...entries.values()].map(copy),
  };
}
