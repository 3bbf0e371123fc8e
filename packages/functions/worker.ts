/**
 * The worker Lambda: receives the jobs the ingress hands off (async invoke), reads state and
 * answers in Slack (`runJob`). Wiring only: the services come from the composition root
 * (packages/services/services.ts), once per container.
 *
 * Environment (env.ts): SlackBotToken / SLACK_BOT_TOKEN, StateTable / SST_STATE_TABLE (locks and
 * de-duplication), the state home (SST_STATE_HOME, SST_STATE_BUCKET or `/sst/bootstrap`,
 * AWS_REGION), the policy as SST_STATE_CONFIG_JSON or the file SST_STATE_CONFIG
 * (default ./sst-state.json, copied into the bundle by infra/bot.ts when it exists).
 */
import { SFNClient } from "@aws-sdk/client-sfn";
import { createResponder } from "@sst-state/adapters/slack-response-url";
import { createSfnWorkflow } from "@sst-state/adapters/workflow-sfn";
import { createServices } from "@sst-state/services/services";
import { consoleLogger, type BotDeps } from "@sst-state/slack/deps";
import { errorReply } from "@sst-state/slack/dispatch";
import type { SlackJob } from "@sst-state/slack/jobs";
import { replyBody, runJob, type JobOutcome } from "@sst-state/slack/worker";
import { lambdaEnv } from "./env.ts";
import { restoreWorkerApprover } from "./restore.ts";

type Env = Record<string, string | undefined>;

/**
 * The worker's deps from the environment. `diagnose` starts the Step Functions workflow
 * (SST_STATE_STATE_MACHINE_ARN, or the linked DiagnosisWorkflow) and never runs rules here;
 * approvals run in the restore worker when one is linked. `over` replaces any part (tests).
 */
export async function workerDeps(env: Env = process.env, over: Partial<BotDeps> = {}): Promise<BotDeps> {
  const e = lambdaEnv(env);
  const stateMachineArn = e.SST_STATE_STATE_MACHINE_ARN;
  const approve = restoreWorkerApprover(e);
  return createServices({ env: e, runtime: "lambda", log: consoleLogger }).botDeps(
    {
      ...(stateMachineArn ? { workflow: createSfnWorkflow({ client: new SFNClient({}), stateMachineArn }) } : {}),
      ...(approve ? { approve } : {}),
    },
    over,
  );
}

let deps: Promise<BotDeps> | undefined;

export async function handler(job: SlackJob): Promise<JobOutcome["status"] | "failed"> {
  let d: BotDeps;
  try {
    d = await (deps ??= workerDeps());
  } catch (e) {
    deps = undefined; // a failed cold start (no bucket, no table) is retried on the next job
    // Still answer: the user is waiting after the "working…" ack.
    const reply = errorReply(e, { log: consoleLogger }, { phase: "cold start" });
    await createResponder({ slackApiUrl: lambdaEnv().SLACK_API_URL })(job.responseUrl, replyBody(reply)).catch((err) =>
      consoleLogger.error("could not answer", { error: String(err) }),
    );
    return "failed";
  }
  const outcome = await runJob(job, d);
  return outcome.status;
}
