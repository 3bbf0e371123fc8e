// The local Slack Web API moved to playground/slack-api.ts: `serve` runs it for the local Slack
// page, and tests use the same one.
export * from "@sst-state/slack/playground/slack-api";
