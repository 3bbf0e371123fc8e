// The restore worker (issue "Restore a state version, with a second person's approval"): the ONLY
// function that may write SST's state. It writes `app/*` (the restored current state), `lock/*`
// (SST's lock, held while it writes, then deleted), `update/*` (the restore's update record) and
// may write `snapshot/*`; it reads the rest of the state bucket. Nothing here may read or write
// `secret/*` or the `/sst/passphrase/*` parameters, and nothing may delete an object version
// (restore never deletes history, DESIGN §3).
//
// Usage in sst.config.ts:
//   const restore = (await import("./infra/restore")).createRestoreWorker({ link: [slackBotToken] });
//   … and link `restore.worker` to the Slack worker function (linking grants lambda:InvokeFunction,
//   and packages/functions/worker.ts finds it as Resource.RestoreWorker.name, or pass its name as
//   SST_STATE_RESTORE_FUNCTION): approvals clicked in Slack run here, synchronously; the Slack
//   worker itself gets no write access to the bucket. The policy reaches the worker like the bot's:
//   SST_STATE_CONFIG_JSON in `environment`, or sst-state.json copied into the bundle.
import { table } from "./storage";

export interface RestoreWorkerArgs {
  /** linked to the worker (e.g. the Slack bot token secret) */
  link?: any[];
  /** SST_STATE_CONFIG_JSON, SST_STATE_BUCKET, SST_STATE_APP, … (the bot token comes from the linked secret) */
  environment?: Record<string, $util.Input<string>>;
  /** how often pending requests past their expiry are closed (default every 5 minutes) */
  expirySchedule?: `rate(${string})` | `cron(${string})`;
}

const BUCKETS = "arn:aws:s3:::sst-state-*";
const OBJECTS = (prefix: string) => `arn:aws:s3:::sst-state-*/${prefix}`;

export function createRestoreWorker(args: RestoreWorkerArgs = {}) {
  const accountId = aws.getCallerIdentityOutput().accountId;
  const worker = new sst.aws.Function("RestoreWorker", {
    handler: "packages/functions/restore.handler",
    runtime: "nodejs20.x",
    timeout: "2 minutes",
    // the target and current checkpoints are parsed and diffed in memory
    memory: "1536 MB",
    // a restore is never run twice at once by Lambda retries: the approval is one conditional write
    link: [table, ...(args.link ?? [])],
    environment: { SST_STATE_HOME: "aws", SST_STATE_TABLE: table.name, ...(args.environment ?? {}) },
    permissions: [
      // read SST's state: the bucket named by /sst/bootstrap
      { actions: ["s3:ListBucket", "s3:ListBucketVersions"], resources: [BUCKETS] },
      { actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: [OBJECTS("*")] },
      { actions: ["ssm:GetParameter"], resources: [$interpolate`arn:aws:ssm:*:${accountId}:parameter/sst/bootstrap`] },
      // write exactly what a restore writes
      { actions: ["s3:PutObject"], resources: [OBJECTS("app/*"), OBJECTS("lock/*"), OBJECTS("update/*"), OBJECTS("snapshot/*")] },
      // SST's lock is deleted when the restore ends (only ours: checked by updateID first)
      { actions: ["s3:DeleteObject"], resources: [OBJECTS("lock/*")] },
      // never: secrets, the passphrase, or deleting any version of anything
      { effect: "deny", actions: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"], resources: [OBJECTS("secret/*")] },
      { effect: "deny", actions: ["s3:DeleteObjectVersion", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration"], resources: [BUCKETS, OBJECTS("*")] },
      { effect: "deny", actions: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:PutParameter", "ssm:DeleteParameter"], resources: ["arn:aws:ssm:*:*:parameter/sst/passphrase/*"] },
    ],
  });

  // Requests nobody approved in time are closed, their messages updated and the requester told.
  const expiry = new sst.aws.Cron("RestoreExpiry", {
    schedule: args.expirySchedule ?? "rate(5 minutes)",
    function: worker.arn,
    event: { op: "expire" },
  });

  return { worker, expiry };
}
