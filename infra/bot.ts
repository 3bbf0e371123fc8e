// The Slack bot (DESIGN §3 "Ack first"): a small ingress function behind a Function URL that
// verifies Slack's signature, acks within 3 s and hands the job to the worker by async invoke;
// the worker reads SST's state and answers through response_url / chat.postMessage; the only writes
// it may make are the Unlock SST button's (sstUnlockPermissions: an update record, SST's lock).
//
// Usage in sst.config.ts:
//   const bot = (await import("./infra/bot")).createSlackBot();
//   return { slackRequestUrl: $interpolate`${bot.ingress.url}slack/events` };
// Put that URL in slack-app-manifest.yml (slash command and interactivity request URLs).
import { slackBotToken, slackSigningSecret } from "./secrets";
import { table } from "./storage";

type Permissions = Extract<NonNullable<sst.aws.FunctionArgs["permissions"]>, unknown[]>;

export interface SlackBotArgs {
  /** extra environment for the worker (SST_STATE_APP, …) */
  environment?: Record<string, $util.Input<string>>;
  /** more links for the worker (the restore worker, to invoke on Approve; the diagnosis workflow, to start it) */
  link?: any[];
  /** more permissions for the worker (e.g. states:StartExecution on the diagnosis workflow) */
  permissions?: Permissions;
}

/**
 * SST's state bucket: SST_STATE_BUCKET at deploy time, else the `state` field of the
 * `/sst/bootstrap` parameter that SST writes in the home region.
 */
export function stateBucketName(): $util.Output<string> {
  if (process.env.SST_STATE_BUCKET) return $output(process.env.SST_STATE_BUCKET);
  return aws.ssm.getParameterOutput({ name: "/sst/bootstrap" }).value.apply((v) => {
    const bucket = (JSON.parse(v) as { state?: string }).state;
    if (!bucket) throw new Error('/sst/bootstrap has no "state" bucket; set SST_STATE_BUCKET');
    return bucket;
  });
}

/**
 * Read-only access to the state the bot shows: current state, snapshots, update records, SST's
 * lock and legacy history. Never `secret/*` (the encrypted secrets) and never the passphrase
 * parameters `/sst/passphrase/*`: they are not granted, and denied explicitly on top.
 */
export function stateReadPermissions(bucket: $util.Output<string>): Permissions {
  const prefixes = ["app/*", "snapshot/*", "update/*", "lock/*", "history/*"];
  return [
    { actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: prefixes.map((p) => $interpolate`arn:aws:s3:::${bucket}/${p}`) },
    {
      actions: ["s3:ListBucket", "s3:ListBucketVersions"],
      resources: [$interpolate`arn:aws:s3:::${bucket}`],
      conditions: [{ test: "StringLike", variable: "s3:prefix", values: prefixes }],
    },
    { actions: ["ssm:GetParameter"], resources: [$interpolate`arn:aws:ssm:*:${aws.getCallerIdentityOutput().accountId}:parameter/sst/bootstrap`] },
    { effect: "deny", actions: ["s3:*"], resources: [$interpolate`arn:aws:s3:::${bucket}/secret/*`] },
    { effect: "deny", actions: ["ssm:*"], resources: ["arn:aws:ssm:*:*:parameter/sst/passphrase/*"] },
  ];
}

/**
 * The deploy feed's Unlock SST button (packages/slack/verbs/deploy-feed-buttons.ts) does what
 * `sst unlock` does for one stuck update: it completes that update's record and deletes SST's lock
 * (the writes of SST 4.17.1's `sst unlock`, as run and recorded in packages/core/repair/unlock.ts).
 * Exactly those two writes, nothing else: never `app/*` or `snapshot/*` (only the restore worker
 * writes state), never `secret/*`.
 */
export function sstUnlockPermissions(bucket: $util.Output<string>): Permissions {
  return [
    { actions: ["s3:PutObject"], resources: [$interpolate`arn:aws:s3:::${bucket}/update/*`] },
    { actions: ["s3:DeleteObject"], resources: [$interpolate`arn:aws:s3:::${bucket}/lock/*`] },
  ];
}

export function createSlackBot(args: SlackBotArgs = {}) {
  const bucket = stateBucketName();

  const worker = new sst.aws.Function("SlackWorker", {
    handler: "packages/functions/worker.handler",
    timeout: "60 seconds",
    // a 50k-resource state is parsed in memory
    memory: "1536 MB",
    link: [slackBotToken, table, ...(args.link ?? [])],
    environment: {
      SST_STATE_HOME: "aws",
      SST_STATE_BUCKET: bucket,
      ...(args.environment ?? {}),
    },
    permissions: [...stateReadPermissions(bucket), ...sstUnlockPermissions(bucket), ...(args.permissions ?? [])],
  });

  // Small and fast to start: no state access at all, only the right to invoke the worker (link).
  // Bundled with the plugin of the measured bundle (scripts/ingress-plugins.mjs: Bolt's other
  // receivers and the Web API client left out; how SST runs it is cited there). `nodejs.plugins` is a
  // path, relative to sst.config.ts, to a module whose default export is the plugin list (SST
  // 4.17.1 platform/src/components/aws/function.ts, FunctionArgs.nodejs.plugins, marked @internal
  // there: an SST upgrade may move it, and the ingress bundle test would not see that). Setting
  // `nodejs` here skips infra/defaults.ts's `nodejs ??= { splitting: true }`; `splitting: false`
  // (SST's own default: `@default false`, platform/src/components/aws/function.ts L809 at 08fa0a6;
  // pkg/runtime/node/build.go L157 splits only when it is set) says in this file that the ingress is one file.
  const ingress = new sst.aws.Function("SlackIngress", {
    handler: "packages/functions/ingress.handler",
    nodejs: { plugins: "scripts/ingress-plugins.mjs", splitting: false },
    timeout: "10 seconds",
    memory: "512 MB",
    url: true,
    link: [slackSigningSecret, slackBotToken, worker],
  });

  return { ingress, worker, bucket };
}
