/**
 * The ingress Lambda (Function URL → Bolt's AwsLambdaReceiver): verify the signature, ack within
 * Slack's 3 s with a short "working…", and hand the job to the worker Lambda with an async invoke
 * (InvocationType "Event": Lambda queues it and returns 202 at once). Nothing here reads state.
 *
 * Kept small on purpose (cold start is on the ack's critical path): it imports Bolt, a SigV4-signed
 * async invoke (packages/adapters/lambda-async-invoke.ts, instead of the ~535 KB Lambda client) and
 * the command parser, nothing else. Diagnoses could be routed elsewhere here: the
 * job's text says the verb (`parseCommand(job.command)`).
 */
import { AwsLambdaReceiver, LogLevel } from "@slack/bolt";
import type { AwsEvent, AwsHandler, AwsResponse } from "@slack/bolt/dist/receivers/AwsLambdaReceiver";
import { createSlackApp } from "@sst-state/slack/app";
import { consoleLogger } from "@sst-state/slack/deps";
import { isFreshTimestamp, refuseSlackRequest } from "@sst-state/slack/receivers/request-guard";
import { createLambdaAsyncInvoker, type LambdaAsyncInvoker } from "@sst-state/adapters/lambda-async-invoke";
import type { SlackJob } from "@sst-state/slack/jobs";
import { lambdaEnv } from "./env.ts";

export type { AwsEvent, AwsResponse };

export interface IngressOptions {
  signingSecret: string;
  botToken: string;
  handOff: (job: SlackJob) => Promise<void>;
  botId?: string;
  botUserId?: string;
  slackApiUrl?: string;
  logLevel?: LogLevel;
}

/** Hand-off by async invoke of the worker. */
export function lambdaHandOff(invoker: LambdaAsyncInvoker, functionName: string): (job: SlackJob) => Promise<void> {
  // The invoker resolves on Lambda's 202 only, and throws an error naming the status otherwise.
  return (job) => invoker.invoke(functionName, job);
}

function header(event: AwsEvent, name: string): string | undefined {
  const key = Object.keys(event.headers ?? {}).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : event.headers[key];
}

/** The Lambda handler for given settings (tests and the bench build it directly). */
export function createIngressHandler(opts: IngressOptions): AwsHandler {
  // The handler below verifies every request (refuseSlackRequest) before Bolt's handler runs, so
  // Bolt does not compute the same HMAC again (AwsLambdaReceiver.js L89 in Bolt 5.1.0: verification
  // is skipped when `signatureVerification` is false).
  const receiver = new AwsLambdaReceiver({ signingSecret: opts.signingSecret, signatureVerification: false, logLevel: opts.logLevel ?? LogLevel.WARN });
  createSlackApp({
    signingSecret: opts.signingSecret,
    botToken: opts.botToken,
    receiver,
    handOff: opts.handOff,
    deps: { log: consoleLogger },
    ...(opts.botId ? { botId: opts.botId } : {}),
    ...(opts.botUserId ? { botUserId: opts.botUserId } : {}),
    ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    logLevel: opts.logLevel ?? LogLevel.WARN,
  });
  const bolt = receiver.toHandler();
  return async (event, context) => {
    // Bolt rejects old timestamps only; Slack's 5-minute window holds both ways.
    if (!isFreshTimestamp(header(event, "x-slack-request-timestamp"))) return { statusCode: 401, body: "" };
    // Unsigned: 401; a signed body of a shape Slack never sends: 400, before Bolt (request-guard.ts).
    const body = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString("utf8") : (event.body ?? "");
    const refused = refuseSlackRequest(
      opts.signingSecret,
      { signature: header(event, "x-slack-signature"), timestamp: header(event, "x-slack-request-timestamp"), contentType: header(event, "content-type") },
      body,
    );
    if (refused?.status === 401) return { statusCode: 401, body: "" };
    if (refused) {
      consoleLogger.warn("refused a signed request that is not one Slack sends", { why: refused.why });
      return { statusCode: 400, body: `bad request: ${refused.why}` };
    }
    try {
      return await bolt(event, context);
    } catch (e) {
      consoleLogger.error("request failed", { error: String(e) });
      return { statusCode: 500, body: "" };
    }
  };
}

function fromEnvironment(opts: { quiet?: boolean } = {}): AwsHandler | undefined {
  const env = lambdaEnv();
  const signingSecret = env.SLACK_SIGNING_SECRET;
  const botToken = env.SLACK_BOT_TOKEN;
  const workerFunction = env.SST_STATE_WORKER_FUNCTION;
  if (!signingSecret || !botToken || !workerFunction) {
    if (opts.quiet) return undefined;
    const missing = [!signingSecret && "SlackSigningSecret", !botToken && "SlackBotToken", !workerFunction && "SlackWorker"].filter(Boolean).join(", ");
    consoleLogger.error(`sst-state ingress is not configured: ${missing} missing (link them in infra/bot.ts, or set SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SST_STATE_WORKER_FUNCTION); refusing every request`);
    return async () => ({ statusCode: 401, body: "" });
  }
  return createIngressHandler({
    signingSecret,
    botToken,
    handOff: lambdaHandOff(createLambdaAsyncInvoker(), workerFunction),
    // the bot's ids, to skip auth.test (optional); SLACK_API_URL points Slack's Web API elsewhere (tests)
    ...(env.SLACK_BOT_ID ? { botId: env.SLACK_BOT_ID } : {}),
    ...(env.SLACK_BOT_USER_ID ? { botUserId: env.SLACK_BOT_USER_ID } : {}),
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
  });
}

// Built during the function's init phase (Lambda runs it with a full CPU, before the first
// request), so the first request only verifies, acks and invokes. When the configuration is not
// there yet (tests set it later), it is built on the first request instead.
let cached: AwsHandler | undefined = fromEnvironment({ quiet: true });

export const handler: AwsHandler = (event, context) => (cached ??= fromEnvironment()!)(event, context);
