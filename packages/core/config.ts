/**
 * Per-stage policy from `sst-state.json` (DESIGN §4). `"*"` holds defaults for stages not named.
 * With no file at all, every stage requires approval by someone other than the requester.
 */
// zod/mini: the same schemas with a tree-shakable API (a few KB instead of zod's whole ~130 KB at
// the start of every command; English messages come from its "en" locale, loaded below).
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { UsageError } from "./errors.ts";
import { DURATION_HINT, durationMs } from "./format.ts";

z.config(en());

const durationPattern = /^\d+(ms|s|m|h|d)$/;
const duration = (example: string) => z.optional(z.string().check(z.regex(durationPattern, `a duration like ${example}`)));

const stagePolicySchema = z.looseObject({
  channel: z.optional(z.string().check(z.minLength(1))),
  approvers: z.optional(z.array(z.string().check(z.regex(/^[UWS][A-Z0-9]+$/, "approvers are Slack user ids (U…/W…) or user-group ids (S…)")))),
  requireApproval: z.optional(z.boolean()),
  lockTtl: duration('"30m", "2h" or "45s"'),
  restoreRequestTtl: duration('"30m"'),
  /** the deploy feed (core/feed): post every deploy of this stage to its channel */
  feed: z.optional(z.boolean()),
  /** the feed calls a deploy stuck when SST's lock stays this long with no sign of progress */
  feedStuckAfter: duration('"30m"'),
});

const configSchema = z.looseObject({
  app: z.optional(z.string().check(z.minLength(1))),
  stages: z.optional(z.record(z.string(), stagePolicySchema)),
});

export type StagePolicyInput = z.infer<typeof stagePolicySchema>;
export type ConfigFile = z.infer<typeof configSchema>;

export interface StagePolicy {
  channel: string | undefined;
  /** Slack user ids and user-group ids; empty = anyone but the requester. */
  approvers: string[];
  requireApproval: boolean;
  lockTtlMs: number;
  restoreRequestTtlMs: number;
  /** the deploy feed is on for this stage (`"feed": true`) */
  feed: boolean;
  /** no progress for this long while SST's lock is held = "looks stuck" (default 30 min) */
  feedStuckMs: number;
}

export interface Config {
  app: string | undefined;
  /** where it was read from, or undefined when there was no file */
  source: string | undefined;
  policy(stage: string): StagePolicy;
  /** every channel named in the file (for announcements) */
  channels(): string[];
  /**
   * The stages the deploy feed watches: those named with `"feed": true` (or inheriting it from
   * `"*"`), and `all: true` when `"*"` turns it on (then every stage of the home, except those
   * that say `"feed": false`, as `policy(stage).feed` tells).
   */
  feedStages(): { named: string[]; all: boolean };
}

/** "30m" → 1_800_000 (the grammar of format.ts). Throws UsageError on anything else. */
export function parseDuration(text: string): number {
  const ms = durationMs(text);
  if (ms === undefined) throw new UsageError(`"${text}" is not a duration.`, DURATION_HINT);
  return ms;
}

export const DEFAULT_LOCK_TTL_MS = 30 * 60_000;
export const DEFAULT_RESTORE_REQUEST_TTL_MS = 30 * 60_000;
export const DEFAULT_FEED_STUCK_MS = 30 * 60_000;

/** Parse the JSON text of `sst-state.json`; `source` names the file in errors. */
export function parseConfig(text: string | undefined, source?: string): Config {
  let file: ConfigFile = {};
  if (text !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`${source ?? "sst-state.json"} is not valid JSON: ${(e as Error).message}`, "Fix the file; see DESIGN §4 for its shape.");
    }
    const parsed = configSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UsageError(
        `${source ?? "sst-state.json"}: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
        'Expected { "app": "...", "stages": { "<stage>" | "*": { "channel", "approvers", "requireApproval", "lockTtl", "feed", "feedStuckAfter" } } }.',
      );
    }
    file = parsed.data;
  }
  const stages = file.stages ?? {};
  return {
    app: file.app,
    source: text === undefined ? undefined : source,
    policy(stage) {
      const own = stages[stage];
      const star = stages["*"];
      const pick = <K extends keyof StagePolicyInput>(k: K) => (own?.[k] !== undefined ? own[k] : star?.[k]);
      return {
        channel: pick("channel"),
        approvers: pick("approvers") ?? [],
        // No file, or nothing said: two people, always.
        requireApproval: pick("requireApproval") ?? true,
        lockTtlMs: pick("lockTtl") ? parseDuration(pick("lockTtl")!) : DEFAULT_LOCK_TTL_MS,
        restoreRequestTtlMs: pick("restoreRequestTtl") ? parseDuration(pick("restoreRequestTtl")!) : DEFAULT_RESTORE_REQUEST_TTL_MS,
        feed: pick("feed") ?? false,
        feedStuckMs: pick("feedStuckAfter") ? parseDuration(pick("feedStuckAfter")!) : DEFAULT_FEED_STUCK_MS,
      };
    },
    feedStages() {
      const all = stages["*"]?.feed === true;
      const named = Object.keys(stages).filter((s) => s !== "*" && (stages[s]!.feed ?? stages["*"]?.feed) === true);
      return { named, all };
    },
    channels() {
      return [...new Set(Object.values(stages).map((s) => s.channel).filter((c): c is string => !!c))];
    },
  };
}
