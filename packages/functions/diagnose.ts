/**
 * Lambda handlers of the diagnosis workflow, one per Task state (infra/workflow.ts points each
 * function at one export). Thin: build the ports from the environment once per container, call
 * the task, and fold a domain error's hint into the error Step Functions passes to NotifyFailure.
 *
 * Environment (DESIGN §4): SST_STATE_HOME (aws), SST_STATE_BUCKET, AWS_REGION, the linked SlackBotToken
 * (or SLACK_BOT_TOKEN),
 * SLACK_API_URL (tests), SST_STATE_PROBES=false to turn the cloud probes off.
 */
import { fitChatMessage } from "@sst-state/slack/render/limits";
import { createWebClient } from "@sst-state/adapters/slack-web-api";
import { createDiagnosisTasks, errorForWorkflow, type DiagnosisTasks, type WorkflowState } from "@sst-state/core/diagnosis";
import { systemClock, type StateStore } from "@sst-state/core/ports";
import { createStateStore } from "@sst-state/adapters/state-store-factory";
import { createAwsProbes } from "@sst-state/adapters/probes/index";
import { createSlackNotifier } from "@sst-state/adapters/slack-web-api";
import { readSlackEnv } from "./env.ts";

let tasks: Promise<DiagnosisTasks> | undefined;

function notifierFrom(env: NodeJS.ProcessEnv) {
  const slack = readSlackEnv(env);
  return slack.botToken ? createSlackNotifier(createWebClient(slack.botToken, slack.slackApiUrl), fitChatMessage) : undefined;
}

async function build(env: NodeJS.ProcessEnv): Promise<DiagnosisTasks> {
  const home = env.SST_STATE_HOME === "local" ? "local" : "aws";
  const { store } = await createStateStore({ env, home });
  const notifier = notifierFrom(env);
  const probes = createAwsProbes({ env, enabled: env.SST_STATE_PROBES !== "false" });
  return createDiagnosisTasks({ store, clock: systemClock, probes, ...(notifier ? { notifier } : {}) });
}

function handler<K extends keyof DiagnosisTasks>(name: K) {
  return async (event: WorkflowState): Promise<Awaited<ReturnType<DiagnosisTasks[K]>>> => {
    try {
      const t = await (tasks ??= build(process.env).catch((e) => {
        tasks = undefined; // a cold start that failed (e.g. no bucket) is retried on the next call
        throw e;
      }));
      return (await t[name](event)) as Awaited<ReturnType<DiagnosisTasks[K]>>;
    } catch (e) {
      throw errorForWorkflow(e);
    }
  };
}

export const load = handler("load");
export const structureRules = handler("structureRules");
export const historyRules = handler("historyRules");
export const lockRules = handler("lockRules");
export const probes = handler("probes");
export const report = handler("report");

/**
 * NotifyFailure needs Slack only. It must not depend on the state store: when the store cannot be
 * built (the bucket lookup failed, access denied), that is the very failure it has to post.
 */
export async function notifyFailure(event: WorkflowState): Promise<{ posted: boolean }> {
  const notifier = notifierFrom(process.env);
  const noStore = new Proxy({} as StateStore, {
    get: () => {
      throw new Error("NotifyFailure does not read state.");
    },
  });
  return createDiagnosisTasks({ store: noStore, clock: systemClock, ...(notifier ? { notifier } : {}) }).notifyFailure(event);
}
