/**
 * The worker Lambda: receives the jobs the ingress hands off (async invoke), reads state and
 * answers in Slack (`runJob`). Thin composition root: ports built once per container.
 *
 * Environment (env.ts): SlackBotToken / SLACK_BOT_TOKEN, StateTable / SST_STATE_TABLE (locks and
 * de-duplication), the state home (SST_STATE_HOME, SST_STATE_BUCKET or `/sst/bootstrap`,
 * AWS_REGION), the policy as SST_STATE_CONFIG_JSON or the file SST_STATE_CONFIG
 * (default ./sst-state.json, copied into the bundle by infra/bot.ts when it exists).
 */
import { fitChatMessage } from "@sst-state/slack/render/limits";
import { createWebClient } from "@sst-state/adapters/slack-web-api";
import { loadConfig } from "@sst-state/adapters/config-file";
import { systemClock } from "@sst-state/core/ports";
import { createDynamoClient } from "@sst-state/adapters/dynamodb-client";
import { createDynamoLockStore } from "@sst-state/adapters/dynamodb-lock-store";
import { createStateStore } from "@sst-state/adapters/state-store-factory";
import { consoleLogger, type BotDeps } from "@sst-state/slack/deps";
import { createMemoryIdempotencyStore } from "@sst-state/slack/idempotency";
import { createDynamoIdempotencyStore } from "@sst-state/adapters/dynamodb-idempotency-store";
import type { SlackJob } from "@sst-state/slack/jobs";
import { createSlackNotifier } from "@sst-state/adapters/slack-web-api";
import { errorReply } from "@sst-state/slack/dispatch";
import { createResponder } from "@sst-state/adapters/slack-response-url";
import { replyBody, runJob, type JobOutcome } from "@sst-state/slack/worker";
import { SFNClient } from "@aws-sdk/client-sfn";
import { createSfnWorkflow } from "@sst-state/adapters/workflow-sfn";
import { createDiagnoseVerb, diagnoseUnavailable } from "@sst-state/slack/verbs/diagnose";
import { restoreUnavailable } from "@sst-state/slack/verbs/restore";
import { createVerbs } from "@sst-state/slack/verbs";
import { linked, readWorkerEnv } from "./env.ts";
import { restoreBotExtras } from "./restore.ts";

type Env = Record<string, string | undefined>;

/** The worker's ports from the environment. `over` replaces any of them (tests). */
export async function workerDeps(env: Env = process.env, over: Partial<BotDeps> = {}): Promise<BotDeps> {
  const w = readWorkerEnv(env);
  const home = env.SST_STATE_HOME === "local" ? "local" : "aws";
  const store = over.store ?? (await createStateStore({ env, home })).store;
  const dynamo = w.tableName && !(over.locks && over.idempotency) ? createDynamoClient({ env }) : undefined;
  const web = createWebClient(w.botToken, w.slackApiUrl);
  return {
    store,
    clock: systemClock,
    config: loadConfig(env),
    ...(dynamo && w.tableName ? { locks: createDynamoLockStore({ client: dynamo, tableName: w.tableName }) } : {}),
    notifier: createSlackNotifier(web, fitChatMessage),
    respond: createResponder(w.slackApiUrl ? { allowOrigins: [new URL(w.slackApiUrl).origin] } : {}),
    idempotency: dynamo && w.tableName ? createDynamoIdempotencyStore({ client: dynamo, tableName: w.tableName }) : createMemoryIdempotencyStore(),
    log: consoleLogger,
    ...createVerbs({
      diagnose: diagnoseVerb(env),
      restore: dynamo && w.tableName ? restoreBotExtras({ ddb: dynamo, tableName: w.tableName, web, env }) : restoreUnavailable(),
    }),
    ...over,
  };
}

/**
 * `diagnose` starts the Step Functions workflow (SST_STATE_STATE_MACHINE_ARN, or the linked
 * DiagnosisWorkflow) and never runs rules here. (`restore` and its buttons: restoreBotExtras;
 * approvals run in the restore worker.)
 */
function diagnoseVerb(env: Env) {
  const stateMachineArn = linked("DiagnosisWorkflow", "arn") ?? (env.SST_STATE_STATE_MACHINE_ARN || undefined);
  return stateMachineArn ? createDiagnoseVerb(createSfnWorkflow({ client: new SFNClient({}), stateMachineArn })) : diagnoseUnavailable();
}

let deps: Promise<BotDeps> | undefined;

export async function handler(job: SlackJob): Promise<JobOutcome["status"] | "failed"> {
  let d: BotDeps;
  try {
    d = await (deps ??= workerDeps());
  } catch (e) {
    deps = undefined; // a failed cold start (no bucket, no table) is retried on the next job
    // Still answer: the user is waiting after the "working…" ack.
    const w = readWorkerEnv();
    const reply = errorReply(e, { log: consoleLogger }, { phase: "cold start" });
    await createResponder(w.slackApiUrl ? { allowOrigins: [new URL(w.slackApiUrl).origin] } : {})(job.responseUrl, replyBody(reply)).catch((err) =>
      consoleLogger.error("could not answer", { error: String(err) }),
    );
    return "failed";
  }
  const outcome = await runJob(job, d);
  return outcome.status;
}
