/**
 * The deploy feed's loop: observe each watched stage, decide (decide.ts), and tell Slack, never
 * twice. One poll of a stage:
 *
 *   1. read the cursor and the open entries (FeedStore);
 *   2. read SST's lock, THEN the update ids newer than the cursor and the records of those, of
 *      the open entries and of the lock's update, and when the state was last saved (the order
 *      decide.ts relies on);
 *   3. for each phase change: claim it in the FeedStore (a conditional write keyed by the update
 *      id: only one poller wins it), then post the message (first phase) or edit it in place by
 *      its stored ts (chat.update); a post that fails releases the claim so the next poll tries
 *      again; a finished or failed update also gets its full diff in the message's thread;
 *   4. move the cursor to the newest update id seen.
 * A crash between the claim and the post loses that one message rather than posting it twice.
 * The first poll of a stage sets its cursor and posts no past update (a stage with 1,000 past
 * updates posts nothing, and reads the same few objects as one with none): only the deploy that
 * holds SST's lock at that moment is posted ("in progress") and followed from then on. If Slack
 * refuses that post, the cursor is not saved, so the next poll is a first poll again.
 *
 * Never throws for one stage's trouble: a stage that cannot be read is reported in its result and
 * the other stages go on.
 */
import type { Config } from "../config.ts";
import type { Clock, ChatMessage, Notifier } from "../ports.ts";
import type { DiffReport } from "../report-types.ts";
import { decideStage, updateStartMs, type PhaseChange, type StageObservation } from "./decide.ts";
import { isFinalPhase, type DeployEvent, type DeployWatchSource, type FeedEntry, type FeedStore } from "./types.ts";

/** The full diff of a finished update, for the message's thread. */
export interface DeployDetails {
  message: ChatMessage;
  file?: { filename: string; title: string; content: string };
}

export interface DeployFeedOptions {
  source: DeployWatchSource;
  store: FeedStore;
  notifier: Notifier;
  config: Pick<Config, "app" | "policy" | "feedStages">;
  clock: Clock;
  /** the message for an event (packages/slack/render/deploy-feed.ts) */
  render: (event: DeployEvent) => ChatMessage;
  /** the thread reply of a finished/failed update (its full diff); null: none */
  renderDetails?: (event: DeployEvent) => DeployDetails | null;
  /** the update's snapshot against the version before it (core/feed/diff.ts); null: no snapshot */
  diff?: (app: string, stage: string, updateId: string) => Promise<DiffReport | null>;
  /** apps to watch (default: the policy's app, else every app of the home) */
  apps?: string[];
  /** most new update ids read per stage and poll (default 50) */
  maxNewPerPoll?: number;
  log?: (message: string, detail: Record<string, unknown>) => void;
}

export type StagePollResult =
  | { app: string; stage: string; baseline: true; posted?: DeployEvent[]; skipped?: { updateId: string; why: string }[] }
  | { app: string; stage: string; baseline: false; posted: DeployEvent[]; skipped: { updateId: string; why: string }[] }
  | { app: string; stage: string; error: string };

export interface DeployFeed {
  /** the (app, stage) pairs the policy turns the feed on for, in the home now */
  watched(): Promise<{ app: string; stage: string }[]>;
  pollStage(app: string, stage: string): Promise<StagePollResult>;
  /** one poll of every watched stage, one stage after the other */
  pollAll(): Promise<StagePollResult[]>;
}

const SLACK_REFUSED = "Slack refused it";

export function createDeployFeed(opts: DeployFeedOptions): DeployFeed {
  const log = opts.log ?? ((m, d) => console.warn(m, d));
  const limit = opts.maxNewPerPoll ?? 50;

  async function watched(): Promise<{ app: string; stage: string }[]> {
    const apps = opts.apps ?? (opts.config.app ? [opts.config.app] : await opts.source.listApps());
    const { named, all } = opts.config.feedStages();
    const out: { app: string; stage: string }[] = [];
    for (const app of apps) {
      const stages = new Set(named);
      if (all) for (const s of await opts.source.listStages(app)) stages.add(s);
      for (const stage of [...stages].sort()) if (opts.config.policy(stage).feed) out.push({ app, stage });
    }
    return out;
  }

  async function observe(app: string, stage: string, cursorId: string | null, first: boolean, open: FeedEntry[]): Promise<StageObservation> {
    const lock = await opts.source.readLock(app, stage);
    const newIds = await opts.source.listUpdateIds(app, stage, cursorId, first ? 1 : limit);
    const records = new Map<string, import("../state/types.ts").UpdateRecord | null>();
    // The first poll reads nothing of past updates: only the running deploy's record, if any.
    const ids = first ? (lock?.updateID ? [lock.updateID] : []) : new Set([...newIds, ...open.map((e) => e.updateId), ...(lock?.updateID ? [lock.updateID] : [])]);
    for (const id of ids) records.set(id, await opts.source.readUpdate(app, stage, id));
    const stateSavedAt = first && !lock ? null : await opts.source.stateSavedAt(app, stage);
    return { app, stage, lock, newIds, records, stateSavedAt };
  }

  async function eventOf(app: string, stage: string, c: PhaseChange, stuckMs: number): Promise<DeployEvent> {
    const r = c.record;
    const base = {
      app,
      stage,
      updateId: c.updateId,
      command: (typeof r?.command === "string" && r.command) || (typeof c.lock?.command === "string" && c.lock.command) || undefined,
      startedAt: new Date(updateStartMs(c.updateId, r)).toISOString(),
      sstVersion: typeof r?.version === "string" && r.version ? r.version : undefined,
      runId: (typeof r?.runID === "string" && r.runID) || (typeof c.lock?.runID === "string" && c.lock.runID) || undefined,
    };
    if (c.to === "started") return { ...base, phase: "started", ...(c.alreadyRunning ? { alreadyRunning: true as const } : {}) };
    if (c.to === "stuck") return { ...base, phase: "stuck", idleMs: c.idleMs, thresholdMs: stuckMs, completedButLocked: c.completedButLocked };
    const completed = r?.timeCompleted && Number.isFinite(Date.parse(r.timeCompleted)) ? Date.parse(r.timeCompleted) : null;
    const durationMs = completed === null ? null : Math.max(0, completed - Date.parse(base.startedAt));
    let diff: DiffReport | null = null;
    if (opts.diff && !c.endedWithoutRecord) {
      try {
        diff = await opts.diff(app, stage, c.updateId);
      } catch (e) {
        log("deploy feed: the diff of an update could not be read; posting without it", { app, stage, updateId: c.updateId, error: (e as Error)?.message ?? String(e) });
      }
    }
    if (c.to === "finished") return { ...base, phase: "finished", completedAt: r!.timeCompleted!, durationMs, diff };
    return {
      ...base,
      phase: "failed",
      completedAt: r?.timeCompleted ?? null,
      durationMs,
      errors: (r?.errors ?? []).filter((e) => e && typeof e.message === "string"),
      endedWithoutRecord: c.endedWithoutRecord,
      diff,
    };
  }

  async function pollStage(app: string, stage: string): Promise<StagePollResult> {
    try {
      const policy = opts.config.policy(stage);
      const cursor = await opts.store.getCursor(app, stage);
      const open = cursor ? await opts.store.listOpen(app, stage) : [];
      const observation = await observe(app, stage, cursor?.updateId ?? null, !cursor, open);
      const now = opts.clock.now();
      const decision = decideStage({ observation, cursor, open, stuckMs: policy.feedStuckMs, now });
      const posted: DeployEvent[] = [];
      const skipped: { updateId: string; why: string }[] = [];
      const openById = new Map(open.map((e) => [e.updateId, e]));
      for (const change of decision.changes) {
        const before = openById.get(change.updateId) ?? null;
        const channel = before?.channel ?? policy.channel;
        if (!channel) {
          skipped.push({ updateId: change.updateId, why: "no channel" });
          continue;
        }
        const event = await eventOf(app, stage, change, policy.feedStuckMs);
        const next: FeedEntry = { app, stage, updateId: change.updateId, phase: change.to, channel, at: new Date(now).toISOString(), ...(before?.ts ? { ts: before.ts } : {}) };
        const claim = await opts.store.claim(next, change.from);
        if (!claim.claimed) {
          skipped.push({ updateId: change.updateId, why: `already ${claim.current ? `shown as ${claim.current.phase}` : "taken"}` });
          continue;
        }
        const message = opts.render(event);
        let ts = before?.ts;
        try {
          if (ts) await opts.notifier.update(channel, ts, message);
          else ts = (await opts.notifier.post(channel, message)).ts;
        } catch (e) {
          log("deploy feed: Slack refused the message; the next poll tries again", { app, stage, updateId: change.updateId, phase: change.to, error: (e as Error)?.message ?? String(e) });
          await opts.store.release(next, before).catch((err: unknown) => log("deploy feed: releasing a claim failed", { error: String(err) }));
          skipped.push({ updateId: change.updateId, why: SLACK_REFUSED });
          continue;
        }
        if (!before?.ts && ts) await opts.store.setTs(app, stage, change.updateId, ts, channel);
        posted.push(event);
        if (isFinalPhase(change.to) && ts && opts.renderDetails) {
          const details = opts.renderDetails(event);
          try {
            if (details) {
              await opts.notifier.post(channel, { ...details.message, threadTs: ts });
              if (details.file) await opts.notifier.upload(channel, { ...details.file, threadTs: ts });
            }
          } catch (e) {
            log("deploy feed: the full diff could not be posted in the thread", { app, stage, updateId: change.updateId, error: (e as Error)?.message ?? String(e) });
          }
        }
      }
      if (decision.baseline) {
        // A running deploy Slack refused: no cursor, so the next poll takes it up again.
        if (!skipped.some((s) => s.why === SLACK_REFUSED)) await opts.store.putCursor(app, stage, decision.cursor);
        return { app, stage, baseline: true, ...(decision.changes.length ? { posted, skipped } : {}) };
      }
      if (decision.cursor.updateId !== cursor?.updateId) await opts.store.putCursor(app, stage, decision.cursor);
      return { app, stage, baseline: false, posted, skipped };
    } catch (e) {
      const error = (e as Error)?.message ?? String(e);
      log("deploy feed: a stage could not be polled; the next poll tries again", { app, stage, error });
      return { app, stage, error };
    }
  }

  return {
    watched,
    pollStage,
    async pollAll() {
      let stages: { app: string; stage: string }[];
      try {
        stages = await watched();
      } catch (e) {
        const error = (e as Error)?.message ?? String(e);
        log("deploy feed: the watched stages could not be listed", { error });
        return [{ app: "", stage: "", error }];
      }
      const out: StagePollResult[] = [];
      for (const s of stages) out.push(await pollStage(s.app, s.stage));
      return out;
    },
  };
}
