/**
 * Configuration of the bot's Lambda functions: from SST's `Resource` links when the function is
 * linked (infra/bot.ts), else from the environment (DESIGN §4 names), so the same code runs
 * unlinked in tests, in the bench, or deployed by other means.
 *
 * `sst/resource` is loaded lazily and every read is guarded: unlinked, SST's Resource proxy throws
 * ("… is not linked"), which here just means "use the environment".
 */
import { Resource } from "sst/resource";

type Env = Record<string, string | undefined>;

/** A linked resource's field, or undefined when SST links are not active or it is not linked. */
export function linked(name: string, field: "value" | "name" | "arn"): string | undefined {
  try {
    const r = (Resource as unknown as Record<string, Record<string, unknown> | undefined>)[name];
    const v = r?.[field];
    return typeof v === "string" && v ? v : undefined;
  } catch {
    return undefined;
  }
}

const nonEmpty = (v: string | undefined) => (v ? v : undefined);

export interface SlackEnv {
  signingSecret: string | undefined;
  botToken: string | undefined;
  /** the bot's ids, to skip auth.test (optional) */
  botId: string | undefined;
  botUserId: string | undefined;
  /** Web API base URL (tests) */
  slackApiUrl: string | undefined;
}

export function readSlackEnv(env: Env = process.env): SlackEnv {
  return {
    signingSecret: linked("SlackSigningSecret", "value") ?? nonEmpty(env.SLACK_SIGNING_SECRET),
    botToken: linked("SlackBotToken", "value") ?? nonEmpty(env.SLACK_BOT_TOKEN),
    botId: nonEmpty(env.SLACK_BOT_ID),
    botUserId: nonEmpty(env.SLACK_BOT_USER_ID),
    slackApiUrl: nonEmpty(env.SLACK_API_URL),
  };
}

export interface IngressEnv extends SlackEnv {
  /** the worker Lambda to invoke asynchronously */
  workerFunction: string | undefined;
}

export function readIngressEnv(env: Env = process.env): IngressEnv {
  return {
    ...readSlackEnv(env),
    workerFunction: linked("SlackWorker", "name") ?? nonEmpty(env.SST_STATE_WORKER_FUNCTION),
  };
}

export interface WorkerEnv extends SlackEnv {
  /** the DynamoDB table for locks and de-duplication (SST_STATE_TABLE) */
  tableName: string | undefined;
}

export function readWorkerEnv(env: Env = process.env): WorkerEnv {
  return {
    ...readSlackEnv(env),
    tableName: linked("StateTable", "name") ?? nonEmpty(env.SST_STATE_TABLE),
  };
}

/**
 * The environment with SST's links folded in under the names of DESIGN §4, for the composition
 * root (packages/services/services.ts): a linked resource wins over the variable of the same job.
 */
export function lambdaEnv(env: Env = process.env): Env {
  const from = (name: string, field: "value" | "name" | "arn", variable: string) => linked(name, field) ?? nonEmpty(env[variable]);
  return {
    ...env,
    SLACK_SIGNING_SECRET: from("SlackSigningSecret", "value", "SLACK_SIGNING_SECRET"),
    SLACK_BOT_TOKEN: from("SlackBotToken", "value", "SLACK_BOT_TOKEN"),
    SST_STATE_TABLE: from("StateTable", "name", "SST_STATE_TABLE"),
    SST_STATE_WORKER_FUNCTION: from("SlackWorker", "name", "SST_STATE_WORKER_FUNCTION"),
    SST_STATE_RESTORE_FUNCTION: from("RestoreWorker", "name", "SST_STATE_RESTORE_FUNCTION"),
    SST_STATE_STATE_MACHINE_ARN: from("DiagnosisWorkflow", "arn", "SST_STATE_STATE_MACHINE_ARN"),
  };
}
