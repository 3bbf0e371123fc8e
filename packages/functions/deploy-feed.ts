/**
 * The deploy feed on AWS (infra/feed.ts): a scheduled function (every minute) that polls the
 * watched stages of SST's state bucket through the S3 watcher (packages/adapters/deploy-watch.ts)
 * and posts what changed (core/feed), with its cursor and events in the table. It only reads the
 * bucket. Thin: environment → watcher, FeedStore, notifier → `pollAll`.
 *
 * Environment (env.ts): SlackBotToken / SLACK_BOT_TOKEN, SLACK_API_URL (tests), StateTable /
 * SST_STATE_TABLE, SST_STATE_BUCKET (or SSM /sst/bootstrap), the policy as SST_STATE_CONFIG_JSON or
 * the file SST_STATE_CONFIG (default ./sst-state.json, copied into the bundle by infra/defaults.ts).
 *
 * It never throws for a stage's or Slack's trouble (logged, and the next run tries again: the cursor
 * and the claims make that safe); it throws only when it cannot start (no token, no table), so the
 * failure shows in the function's errors.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { loadConfig } from "@sst-state/adapters/config-file";
import { createDeployWatch } from "@sst-state/adapters/deploy-watch";
import { createDynamoClient } from "@sst-state/adapters/dynamodb-client";
import { createDynamoFeedStore } from "@sst-state/adapters/dynamodb-feed-store";
import { createStateStore } from "@sst-state/adapters/state-store-factory";
import type { StagePollResult } from "@sst-state/core/feed";
import { systemClock } from "@sst-state/core/ports";
import { createSlackDeployFeed } from "@sst-state/slack/deploy-feed";
import { consoleLogger } from "@sst-state/slack/deps";
import { createSlackNotifier, createWebClient } from "@sst-state/adapters/slack-web-api";
import { fitChatMessage } from "@sst-state/slack/render/limits";
import { readWorkerEnv } from "./env.ts";

type Env = Record<string, string | undefined>;

export interface DeployFeedOutcome {
  stages: number;
  posted: number;
  failedStages: number;
  results: StagePollResult[];
}

/** The handler over `env` (tests pass their own, and may pass the S3 client; the deployed one reads process.env). */
export function createDeployFeedHandler(env: Env = process.env, over: { s3?: S3Client } = {}) {
  let feed: ReturnType<typeof createSlackDeployFeed> | undefined;
  const build = async () => {
    const w = readWorkerEnv(env);
    if (!w.botToken) throw new Error("no Slack bot token: link the SlackBotToken secret (npx sst secret set SlackBotToken xoxb-…) or set SLACK_BOT_TOKEN");
    if (!w.tableName) throw new Error("no table for the feed's cursor and events: link the StateTable or set SST_STATE_TABLE");
    const { store } = await createStateStore({ env, home: "aws", ...(over.s3 ? { s3: over.s3 } : {}) });
    const web = createWebClient(w.botToken, w.slackApiUrl, { retryConfig: { retries: 2 } });
    return createSlackDeployFeed({
      source: createDeployWatch(store),
      feedStore: createDynamoFeedStore({ client: createDynamoClient({ env }), tableName: w.tableName }),
      stateStore: store,
      notifier: createSlackNotifier(web, fitChatMessage),
      config: loadConfig(env),
      clock: systemClock,
      log: (message, detail) => consoleLogger.warn(message, detail),
    });
  };
  return async (): Promise<DeployFeedOutcome> => {
    feed ??= await build();
    const results = await feed.pollAll();
    return {
      stages: results.length,
      posted: results.reduce((n, r) => n + ("posted" in r ? r.posted.length : 0), 0),
      failedStages: results.filter((r) => "error" in r).length,
      results,
    };
  };
}

export const handler = createDeployFeedHandler();
