/**
 * The deploy feed as the bots run it (the scheduled function in AWS, `serve` on one machine): core's
 * feed with this package's messages and the update's diff read from the home. The watcher and the
 * FeedStore are passed in (packages/adapters: deploy-watch.ts, dynamodb-feed-store.ts).
 */
import type { Config } from "@sst-state/core/config";
import { createDeployFeed, deployDiff, type DeployFeed, type DeployWatchSource, type FeedStore } from "@sst-state/core/feed";
import type { Clock, Notifier, StateStore } from "@sst-state/core/ports";
import { renderDeployDetails, renderDeployEvent } from "./render/deploy-feed.ts";

export interface SlackDeployFeedOptions {
  source: DeployWatchSource;
  feedStore: FeedStore;
  /** the same home as `source`, for the diff of a finished update */
  stateStore: StateStore;
  notifier: Notifier;
  config: Pick<Config, "app" | "policy" | "feedStages">;
  clock: Clock;
  apps?: string[];
  log?: (message: string, detail: Record<string, unknown>) => void;
}

export function createSlackDeployFeed(opts: SlackDeployFeedOptions): DeployFeed {
  return createDeployFeed({
    source: opts.source,
    store: opts.feedStore,
    notifier: opts.notifier,
    config: opts.config,
    clock: opts.clock,
    render: (e) => renderDeployEvent(e, { now: opts.clock.now() }),
    renderDetails: renderDeployDetails,
    diff: (app, stage, updateId) => deployDiff(opts.stateStore, app, stage, updateId),
    ...(opts.apps ? { apps: opts.apps } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
}
