/**
 * Lambda handlers of the diagnosis workflow, one per Task state (infra/workflow.ts points each
 * function at one export). Thin: build the ports from the environment once per container, call
 * the task, and fold a domain error's hint into the error Step Functions passes to NotifyFailure.
 *
 * Environment (DESIGN §4): SST_STATE_HOME (aws), SST_STATE_BUCKET, AWS_REGION, the linked SlackBotToken
 * (or SLACK_BOT_TOKEN),
 * SLACK_API_URL (tests), SST_STATE_PROBES=false to turn the cloud probes off.
 */
import { createDiagnosisTasks, errorForWorkflow, type DiagnosisTasks, type WorkflowState } from "@sst-state/core/diagnosis";
import type { StateStore } from "@sst-state/core/ports";
import { createAwsProbes } from "@sst-state/adapters/probes/index";
import { createServices, type Services } from "@sst-state/services/services";
import { consoleLogger } from "@sst-state/slack/deps";
import { renderDiagnosisReportBlocks } from "@sst-state/slack/render/repair";
import { lambdaEnv } from "./env.ts";

let tasks: Promise<DiagnosisTasks> | undefined;
let services: Services | undefined;
const servicesOf = (env: NodeJS.ProcessEnv) => (services ??= createServices({ env: lambdaEnv(env), runtime: "lambda", log: consoleLogger }));

async function build(env: NodeJS.ProcessEnv): Promise<DiagnosisTasks> {
  const s = servicesOf(env);
  const notifier = (await s.slack())?.notifier;
  const probes = createAwsProbes({ env, enabled: env.SST_STATE_PROBES !== "false" });
  return createDiagnosisTasks({ store: await s.stateStore(), clock: s.clock, probes, ...(notifier ? { notifier, reportMessage: renderDiagnosisReportBlocks } : {}) });
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
  const s = servicesOf(process.env);
  const notifier = (await s.slack())?.notifier;
  const noStore = new Proxy({} as StateStore, {
    get: () => {
      throw new Error("NotifyFailure does not read state.");
    },
  });
  return createDiagnosisTasks({ store: noStore, clock: s.clock, ...(notifier ? { notifier } : {}) }).notifyFailure(event);
}
