// The lock announcer (DESIGN §3 "Locks"): a function on the table's stream that posts every lock
// change (acquired, released, force-released, taken over, expired) to the stage's channel. Lock
// holders only write the table, so a CI job needs AWS credentials, never a Slack token.
//
// Only lock items reach the function: the event source mapping filters on `pk` beginning with
// `LOCK#` (restore requests, audit entries and de-duplication keys share the table).
// Per-stage channels come from sst-state.json, copied into the bundle when it exists (infra/defaults.ts).
//
// Usage in sst.config.ts's run(): `await import("./infra/announcer");`
import { slackBotToken } from "./secrets";
import { table } from "./storage";

export const lockAnnouncer = table.subscribe(
  "LockAnnouncer",
  {
    handler: "packages/functions/lock-announcer.handler",
    timeout: "30 seconds",
    memory: "256 MB",
    // the table: where each lease's announcement was posted, so that its end rewrites it in place
    link: [slackBotToken, table],
  },
  {
    filters: [{ dynamodb: { Keys: { pk: { S: [{ prefix: "LOCK#" }] } } } }],
    transform: {
      // The handler never throws on a Slack failure; these bound a crash or timeout loop instead:
      // an announcement more than an hour late is noise, and a stuck batch must not block the shard.
      eventSourceMapping: { maximumRetryAttempts: 2, maximumRecordAgeInSeconds: 3600 },
    },
  },
);
