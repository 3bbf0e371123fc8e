// The restore worker (issue "Restore a state version, with a second person's approval"): the ONLY
// function that may write SST's state. It writes `app/*` (the restored current state), `lock/*`
// (SST's lock, held while it writes, then deleted), `update/*` (the restore's update record) and
// may write `snapshot/*`; it reads the rest of the state bucket. Nothing here may read or write
// `secret/*` or the `/sst/passphrase/*` parameters, and nothing may delete an object version
// (restore never deletes history, DESIGN §3).
//
// Usage in sst.config.ts:
//   const restore = (await import("./infra/restore")).createRestoreWorker();
//   const bot = (await import("./infra/bot")).createSlackBot({ link: [restore.worker] });
// Linking the worker to the Slack worker grants lambda:InvokeFunction, and
// packages/functions/worker.ts finds it as Resource.RestoreWorker.name (or SST_STATE_RESTORE_FUNCTION;
// folded in by functions/env.ts) and hands it to the bot's Approve button as `approve`: Approve clicks
// run here, synchronously; the Slack worker itself keeps read-only access.
import { stateBucketName, stateReadPermissions } from "./bot";
import { slackBotToken } from "./secrets";
import { table } from "./storage";

export interface RestoreWorkerArgs {
  /** more links for the worker */
  link?: any[];
  /** SST_STATE_APP, SST_STATE_CONFIG_JSON (the policy's text, instead of the copied sst-state.json), … */
  environment?: Record<string, $util.Input<string>>;
  /** how often pending requests past their expiry are closed (default every 5 minutes) */
  expirySchedule?: `rate(${string})` | `cron(${string})`;
}

export function createRestoreWorker(args: RestoreWorkerArgs = {}) {
  const bucket = stateBucketName();
  const object = (prefix: string) => $interpolate`arn:aws:s3:::${bucket}/${prefix}`;

  const worker = new sst.aws.Function("RestoreWorker", {
    handler: "packages/functions/restore.handler",
    timeout: "2 minutes",
    // the current and target checkpoints are parsed and diffed in memory
    memory: "1536 MB",
    link: [slackBotToken, table, ...(args.link ?? [])],
    environment: { SST_STATE_HOME: "aws", SST_STATE_BUCKET: bucket, ...(args.environment ?? {}) },
    permissions: [
      // read what the bot reads (and nothing of secret/* or /sst/passphrase/*, denied there)
      ...stateReadPermissions(bucket),
      // write exactly what a restore writes
      { actions: ["s3:PutObject"], resources: [object("app/*"), object("lock/*"), object("update/*"), object("snapshot/*")] },
      // SST's lock is deleted when the restore ends (only ours: its updateID is checked first);
      // on a versioned bucket that is a delete marker, never the loss of a version
      { actions: ["s3:DeleteObject"], resources: [object("lock/*")] },
      // never delete history, never turn versioning or retention off
      {
        effect: "deny",
        actions: ["s3:DeleteObjectVersion", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration"],
        resources: [$interpolate`arn:aws:s3:::${bucket}`, object("*")],
      },
    ],
  });

  // Requests nobody decided in time are closed, their messages updated and the requester told.
  const expiry = new sst.aws.Cron("RestoreExpiry", {
    schedule: args.expirySchedule ?? "rate(5 minutes)",
    function: worker.arn,
    event: { op: "expire" },
  });

  return { worker, expiry };
}
