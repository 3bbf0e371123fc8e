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
function linked(name: string, field: "value" | "name" | "arn"): string | undefined {
  try {
    const r = (Resource as unknown as Record<string, Record<string, unknown> | undefined>)[name];
    const v = r?.[field];
    return typeof v === "string" && v ? v : undefined;
  } catch {
    return undefined;
  }
}

const nonEmpty = (v: string | undefined) => (v ? v : undefined);

/**
 * The environment with SST's links folded in under the names of DESIGN §4, for every handler (the
 * ingress reads its secrets and the worker's name here) and the composition root
 * (packages/services/services.ts): a linked resource wins over the variable of the same job.
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
