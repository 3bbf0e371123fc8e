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
import { renderLockEnded, renderLockEvent } from "@sst-state/slack/render/lock-event";
import { createDynamoAnnouncementStore } from "@sst-state/adapters/dynamodb-announcement-store";
import { createDynamoClient } from "@sst-state/adapters/dynamodb-client";
import { fitChatMessage } from "@sst-state/slack/render/limits";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { createWebClient } from "@sst-state/adapters/slack-web-api";
import { loadConfig } from "@sst-state/adapters/config-file";
import { createLockAnnouncer, type LockAnnouncer } from "@sst-state/core/lock";
import { lockEventsFromStreamRecords, type LockStreamRecord } from "@sst-state/adapters/lock-stream";
import { consoleLogger } from "@sst-state/slack/deps";
import { createSlackNotifier } from "@sst-state/adapters/slack-web-api";
import { readWorkerEnv } from "./env.ts";

type Env = Record<string, string | undefined>;

export interface LockAnnouncerOutcome {
  events: number;
  posted: number;
  /** not posted: Slack failed, or the stage has no channel, or the announcer could not be built */
  notPosted: number;
}

function buildAnnouncer(env: Env): LockAnnouncer {
  const w = readWorkerEnv(env);
  if (!w.botToken) throw new Error("no Slack bot token: link the SlackBotToken secret (npx sst secret set SlackBotToken xoxb-…) or set SLACK_BOT_TOKEN");
  // A few quick retries only: the function's timeout is short, and a lost post is logged.
  const web = createWebClient(w.botToken, w.slackApiUrl, { retryConfig: { retries: 2 } });
  // With the table linked, a lease's end rewrites its announcement in place (chat.update on the
  // ts remembered when it was posted); without it, ends are only posted.
  const messages = w.tableName ? createDynamoAnnouncementStore({ client: createDynamoClient({ env }), tableName: w.tableName }) : undefined;
  return createLockAnnouncer({
    notifier: createSlackNotifier(web, fitChatMessage),
    config: loadConfig(env),
    render: renderLockEvent,
    renderEnded: renderLockEnded,
    ...(messages ? { messages } : {}),
  });
}

/** The handler over `env` (tests pass their own; the deployed one reads process.env). */
export function createLockAnnouncerHandler(env: Env = process.env) {
  let announcer: LockAnnouncer | undefined;
  return async (event: Pick<DynamoDBStreamEvent, "Records">): Promise<LockAnnouncerOutcome> => {
    const events = lockEventsFromStreamRecords((event.Records ?? []) as LockStreamRecord[]);
    if (!events.length) return { events: 0, posted: 0, notPosted: 0 };
    try {
      announcer ??= buildAnnouncer(env);
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
