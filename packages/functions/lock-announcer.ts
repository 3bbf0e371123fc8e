/**
 * The lock announcer Lambda, subscribed to the table's stream (infra/announcer.ts; records whose
 * `pk` begins with `LOCK#`). It posts every lock change to the stage's channel, so whoever takes a
 * lock (a CI job with AWS credentials only) never needs a Slack token (DESIGN §3 "Locks").
 * Thin: stream records → lockEventsFromStreamRecords → createLockAnnouncer(…).announceAll.
 *
 * Environment (env.ts): SlackBotToken / SLACK_BOT_TOKEN, SLACK_API_URL (tests), the policy as
 * SST_STATE_CONFIG_JSON or the file SST_STATE_CONFIG (default ./sst-state.json, copied into the
 * bundle by infra/announcer.ts when it exists).
 *
 * It never throws: a thrown error would make Lambda retry the batch until its records expire,
 * holding up every later lock change of the shard. Slack failures are logged by the announcer;
 * a missing token or an unreadable policy is logged here, and the batch is dropped.
 */
import type { DynamoDBStreamEvent } from "aws-lambda";
import type { LockAnnouncer } from "@sst-state/core/lock";
import { createServices } from "@sst-state/services/services";
import { lockEventsFromStreamRecords, type LockStreamRecord } from "@sst-state/adapters/lock-stream";
import { consoleLogger } from "@sst-state/slack/deps";
import { lambdaEnv } from "./env.ts";

type Env = Record<string, string | undefined>;

export interface LockAnnouncerOutcome {
  events: number;
  posted: number;
  /** not posted: Slack failed, or the stage has no channel, or the announcer could not be built */
  notPosted: number;
}

async function buildAnnouncer(env: Env): Promise<LockAnnouncer> {
  // A few quick retries only: the function's timeout is short, and a lost post is logged.
  // With the table linked, a lease's end rewrites its announcement in place (chat.update on the
  // ts remembered when it was posted); without it, ends are only posted.
  const announcer = await createServices({ env: lambdaEnv(env), runtime: "lambda", log: consoleLogger, slackRetries: 2 }).lockAnnouncer();
  if (!announcer) throw new Error("no Slack bot token: link the SlackBotToken secret (npx sst secret set SlackBotToken xoxb-…) or set SLACK_BOT_TOKEN");
  return announcer;
}

/** The handler over `env` (tests pass their own; the deployed one reads process.env). */
export function createLockAnnouncerHandler(env: Env = process.env) {
  let announcer: LockAnnouncer | undefined;
  return async (event: Pick<DynamoDBStreamEvent, "Records">): Promise<LockAnnouncerOutcome> => {
    const events = lockEventsFromStreamRecords((event.Records ?? []) as LockStreamRecord[]);
    if (!events.length) return { events: 0, posted: 0, notPosted: 0 };
    try {
      announcer ??= await buildAnnouncer(env);
    } catch (e) {
      consoleLogger.error("lock announcements dropped: the announcer could not be built", { error: (e as Error)?.message ?? String(e), events: events.length });
      return { events: events.length, posted: 0, notPosted: events.length };
    }
    const results = await announcer.announceAll(events);
    const posted = results.filter((r) => r.posted).length;
    return { events: events.length, posted, notPosted: events.length - posted };
  };
}

export const handler = createLockAnnouncerHandler();
