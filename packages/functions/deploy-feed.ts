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
import { createDeployWatch } from "@sst-state/adapters/deploy-watch";
import type { StagePollResult } from "@sst-state/core/feed";
import { createSlackDeployFeed } from "@sst-state/slack/deploy-feed";
import { consoleLogger } from "@sst-state/slack/deps";
import { createServices } from "@sst-state/services/services";
import { lambdaEnv } from "./env.ts";

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
    // the home is always the AWS one here; the S3 client may be given (tests)
    const services = createServices({ env: lambdaEnv(env), runtime: "lambda", home: "aws", log: consoleLogger, slackRetries: 2, ...(over.s3 ? { parts: { s3: over.s3 } } : {}) });
    const slack = await services.slack();
    if (!slack) throw new Error("no Slack bot token: link the SlackBotToken secret (npx sst secret set SlackBotToken xoxb-…) or set SLACK_BOT_TOKEN");
    if (!services.env.SST_STATE_TABLE) throw new Error("no table for the feed's cursor and events: link the StateTable or set SST_STATE_TABLE");
    const store = await services.stateStore();
    return createSlackDeployFeed({
      source: createDeployWatch(store),
      feedStore: await services.feedStore(),
      stateStore: store,
      notifier: slack.notifier,
      config: services.config(),
      clock: services.clock,
      log: (message, detail) => consoleLogger.warn(message, detail),
    });
  };
  return async (): Promise<DeployFeedOutcome> => {
    feed ??= await build();
    const results = await feed.pollAll();
    return {
      stages: results.length,
      posted: results.reduce((n, r) => n + ("posted" in r ? (r.posted ?? []).length : 0), 0),
      failedStages: results.filter((r) => "error" in r).length,
      results,
    };
  };
}

export const handler = createDeployFeedHandler();
