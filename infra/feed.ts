// The deploy feed on AWS (DESIGN §3 "Deploy feed"): every minute a function reads SST's `lock/…`
// object and lists the new `update/` objects of the stages whose policy says `"feed": true`
// (sst-state.json, copied into the bundle by infra/defaults.ts) and posts each deploy to the stage's channel: started, finished
// with its diff, failed, or stuck. Its cursor and the events it posted live in the table, so a run
// never posts what an earlier one did.
//
// It only reads SST's state bucket, and only that bucket (stateReadPermissions: `app/`, `snapshot/`,
// `update/`, `lock/`, `history/`; never `secret/*` or the passphrase). Nothing on the bucket changes.
// Faster alternative when the bucket's owner enables it: S3 event notifications to EventBridge and a
// rule on `Object Created` / `Object Deleted` for keys beginning `lock/` or `update/` targeting this
// same function (README, "Deploy feed"); the schedule stays as the safety net.
//
// Usage in sst.config.ts's run(): `await import("./infra/feed");`
import { stateBucketName, stateReadPermissions } from "./bot";
import { slackBotToken } from "./secrets";
import { table } from "./storage";

const bucket = stateBucketName();

export const deployFeed = new sst.aws.Cron("DeployFeed", {
  schedule: "rate(1 minute)",
  function: {
    handler: "packages/functions/deploy-feed.handler",
    // shorter than the schedule, so runs rarely overlap (when they do, the table's claims keep
    // every post single)
    timeout: "50 seconds",
    memory: "1024 MB",
    link: [slackBotToken, table],
    environment: { SST_STATE_HOME: "aws", SST_STATE_BUCKET: bucket },
    permissions: stateReadPermissions(bucket),
  },
});
