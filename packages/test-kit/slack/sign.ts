// Slack-signed request bodies moved to playground/slack-requests.ts: the local Slack page signs
// its requests with them, and tests use the same code.
export * from "@sst-state/slack/playground/slack-requests";
