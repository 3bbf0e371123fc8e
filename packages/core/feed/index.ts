/** The deploy feed: every deploy of a watched stage in its channel (types.ts has the overview). */
export * from "./types.ts";
export { decideStage, newerUpdateId, isNewerThan, updateStartMs, type StageObservation, type PhaseChange, type StageDecision } from "./decide.ts";
export { createDeployFeed, type DeployFeed, type DeployFeedOptions, type DeployDetails, type StagePollResult } from "./feed.ts";
export { deployDiff } from "./diff.ts";
export { unlockStuckDeploy, type UnlockResult } from "./unlock.ts";
export { startDeployFeedLoop, DEFAULT_FEED_INTERVAL_MS, type DeployFeedLoop } from "./loop.ts";
