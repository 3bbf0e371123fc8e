/**
 * The deploy feed (DESIGN §3 "Deploy feed"): every deploy of a watched stage in the stage's
 * channel, however it was run (`sst deploy` from a laptop, a CI job nobody wrapped), as ONE
 * message per update that is edited in place: started → finished (with its diff) / failed (with
 * its errors) / looks stuck.
 *
 * Who does what:
 * - a watcher (adapters: local home, S3 bucket) reads what SST wrote: its lock, the update records
 *   newer than the stage's cursor, and when the state was last saved (`DeployWatchSource`);
 * - core (decide.ts) turns one observation plus what was already shown into what to show now;
 * - the feed (feed.ts) claims each change in the FeedStore before telling Slack, so a change is
 *   posted at most once, whoever polls (the scheduled Lambda, `serve`, a restarted `serve`);
 * - the Slack renderer (packages/slack/render/deploy-feed.ts) turns a DeployEvent into a message.
 */
import type { DiffReport } from "../report-types.ts";
import type { SstLock, UpdateRecord } from "../state/types.ts";

/** What the feed shows for one update: the message's state. */
export type DeployPhase = "started" | "stuck" | "finished" | "failed";
export const isFinalPhase = (p: DeployPhase | undefined): boolean => p === "finished" || p === "failed";

interface DeployEventBase {
  app: string;
  stage: string;
  updateId: string;
  /** SST's command (`deploy`, `remove`, `refresh`, `repair`, `sst-state restore`, …) when known */
  command: string | undefined;
  /** ISO time the update started (the record's timeStarted, else decoded from the updateID) */
  startedAt: string;
  /** SST's version that ran it, when the record says */
  sstVersion: string | undefined;
  /** SST_RUN_ID of the run (CI), when the lock or the record says */
  runId: string | undefined;
}

export type DeployEvent =
  | (DeployEventBase & {
      phase: "started";
      /** the deploy already ran when the feed first looked at the stage (posted "in progress") */
      alreadyRunning?: true;
    })
  | (DeployEventBase & {
      phase: "stuck";
      /** how long nothing happened (since the later of the lock's creation, the last save, the completion) */
      idleMs: number;
      /** the threshold that was passed (the stage's `feedStuckAfter`) */
      thresholdMs: number;
      /** true when the record says the update completed but SST's lock was left behind */
      completedButLocked: boolean;
    })
  | (DeployEventBase & {
      phase: "finished";
      completedAt: string;
      durationMs: number | null;
      /** the update's snapshot against the version before it; null when it saved no snapshot */
      diff: DiffReport | null;
    })
  | (DeployEventBase & {
      phase: "failed";
      completedAt: string | null;
      durationMs: number | null;
      errors: { urn?: string; message: string }[];
      /** true when the update ended without ever recording completion (a failed build: SST's lock gone, no timeCompleted) */
      endedWithoutRecord: boolean;
      diff: DiffReport | null;
    });

// ---------------------------------------------------------------------------------------------
// ports

/** What the feed reads from SST's home (local folder or S3 bucket). Read-only. */
export interface DeployWatchSource {
  /** for messages: `local home /…`, `s3://sst-state-…` */
  readonly location: string;
  listApps(): Promise<string[]>;
  /** the stages of the app that have state (empty when none) */
  listStages(app: string): Promise<string[]>;
  readLock(app: string, stage: string): Promise<SstLock | null>;
  /**
   * Update ids of the stage newer than `after` (all when null), newest first, at most `limit`.
   * SST's ids sort newest first (core/state/update-id.ts), so a store lists only the head.
   */
  listUpdateIds(app: string, stage: string, after: string | null, limit: number): Promise<string[]>;
  readUpdate(app: string, stage: string, updateId: string): Promise<UpdateRecord | null>;
  /** when `app/<app>/<stage>.json` was last written (ms), null when there is none */
  stateSavedAt(app: string, stage: string): Promise<number | null>;
}

/** What the feed remembers per stage: its cursor (the newest update id seen). */
export interface FeedCursor {
  /** newest update id seen at the last scan (null: the stage had none) */
  updateId: string | null;
  /** ISO time of the scan that set it */
  at: string;
}

/** What the feed remembers per update: what its message shows and where it is. */
export interface FeedEntry {
  app: string;
  stage: string;
  updateId: string;
  /** the phase the message shows (or is being posted with) */
  phase: DeployPhase;
  channel: string;
  /** Slack's ts of the message, once posted */
  ts?: string;
  /** ISO time of the last change */
  at: string;
}

/**
 * A claim whose message was never posted (its poller died between the claim and the post, or is
 * posting right now) blocks the next move for this long; after it, the next poller posts anew.
 */
export const CLAIM_TIMEOUT_MS = 120_000;
/** ISO time before which an unposted claim counts as abandoned, for a move made at `next.at`. */
export function claimStaleBefore(next: Pick<FeedEntry, "at">): string {
  return new Date(Date.parse(next.at) - CLAIM_TIMEOUT_MS).toISOString();
}

export type ClaimResult = { claimed: true } | { claimed: false; current: FeedEntry | null };

/**
 * Where the feed keeps its cursors and entries (the DynamoDB table, or the embedded store behind
 * `serve`; an in-memory one for tests). Every change is a conditional write, so two pollers (the
 * Lambda and a `serve` on the same table, two overlapping Lambda runs, a restart) never both win.
 */
export interface FeedStore {
  getCursor(app: string, stage: string): Promise<FeedCursor | null>;
  putCursor(app: string, stage: string, cursor: FeedCursor): Promise<void>;
  /** entries whose phase is not final (started, stuck) */
  listOpen(app: string, stage: string): Promise<FeedEntry[]>;
  get(app: string, stage: string, updateId: string): Promise<FeedEntry | null>;
  /**
   * Move the entry from `from` (null: it must not exist) to `next.phase`. Only one caller wins a
   * given move; the loser gets what is there now. An entry whose message has no ts yet moves only
   * once its claim is abandoned (`claimStaleBefore`), so two pollers never post two messages.
   */
  claim(next: FeedEntry, from: DeployPhase | null): Promise<ClaimResult>;
  /** Undo a claim whose post failed (only while the entry still shows `claimed.phase`), so the next poll tries again. */
  release(claimed: FeedEntry, back: FeedEntry | null): Promise<void>;
  /** Record the message's ts after the first post. */
  setTs(app: string, stage: string, updateId: string, ts: string, channel: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// the buttons under a feed message (handled in packages/slack/verbs/deploy-feed-buttons.ts)

/** Diagnose: value `<app>/<stage>` */
export const FEED_DIAGNOSE_ACTION_ID = "deploy_feed_diagnose";
/** Unlock SST: value `<app>/<stage>/<updateID>` (only that update's lock is removed) */
export const FEED_SST_UNLOCK_ACTION_ID = "deploy_feed_sst_unlock";

export function feedButtonValue(app: string, stage: string, updateId?: string): string {
  return updateId ? `${app}/${stage}/${updateId}` : `${app}/${stage}`;
}

export function parseFeedButtonValue(value: string): { app: string; stage: string; updateId?: string } | null {
  const m = /^([A-Za-z][A-Za-z0-9-]{0,127})\/([A-Za-z0-9-]{1,128})(?:\/([0-9a-f]{24}))?$/.exec(value);
  if (!m) return null;
  return { app: m[1]!, stage: m[2]!, ...(m[3] ? { updateId: m[3] } : {}) };
}
