/**
 * The restore worker: the ONLY function allowed to write SST's state (`app/*`, `lock/*`,
 * `update/*`, `snapshot/*` in the state bucket; see infra/restore.ts). Thin composition root over
 * the core's restore service.
 *
 * Events:
 * - `{op: "approve", id, approver}` — from the Slack worker when someone clicks Approve (invoked
 *   synchronously: the outcome decides what the clicker sees). Returns a DecisionOutcome (JSON).
 * - `{op: "expire"}` or an EventBridge scheduled event (the Cron in infra/restore.ts) — moves
 *   pending requests past their expiry to `expired`, updates their messages, audits them.
 *
 * Environment: SST_STATE_TABLE, SST_STATE_BUCKET (or `/sst/bootstrap`), SLACK_BOT_TOKEN
 * (SLACK_API_URL for tests), and the policy as SST_STATE_CONFIG_JSON (the file's text) or a file
 * named by SST_STATE_CONFIG (default ./sst-state.json).
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createServices } from "@sst-state/services/services";
import { consoleLogger } from "@sst-state/slack/deps";
import { lambdaEnv } from "./env.ts";
import type { Config } from "@sst-state/core/config";
import { isSstStateError, SstStateError } from "@sst-state/core/errors";
import type { Clock, Notifier, StateStore } from "@sst-state/core/ports";
import {
  createStaticUserGroupResolver,
  outcomeToJson,
  type DecisionOutcome,
  type RestoreService,
  type UserGroupResolver,
} from "@sst-state/core/restore";

export type RestoreWorkerEvent =
  | { op: "approve"; id: string; approver: string }
  | { op: "expire"; app?: string; stage?: string }
  /** EventBridge scheduled event (the Cron): treated as `expire` */
  | { source: "aws.events"; "detail-type"?: string; [k: string]: unknown };

export type RestoreWorkerResult = DecisionOutcome | { expired: string[] } | { error: { code: string; message: string; hint?: string } };

export interface RestoreWorkerDeps {
  store: StateStore;
  ddb: DynamoDBClient;
  tableName: string;
  config: Config;
  clock?: Clock;
  notifier?: Notifier;
  groups?: UserGroupResolver;
  log?: (level: "info" | "warn" | "error", message: string, data?: Record<string, unknown>) => void;
}

export function restoreServiceFromDeps(deps: RestoreWorkerDeps): Promise<RestoreService> {
  const log = deps.log ?? (() => {});
  return createServices({
    env: {},
    runtime: "lambda",
    ...(deps.clock ? { clock: deps.clock } : {}),
    parts: { store: deps.store, table: { client: deps.ddb, tableName: deps.tableName }, config: deps.config },
    log: { info: (m, d) => log("info", m, d), warn: (m, d) => log("warn", m, d), error: (m, d) => log("error", m, d) },
  }).restoreService({ notifier: deps.notifier, groups: deps.groups ?? createStaticUserGroupResolver() });
}

/** Run one event against a service (the handler below, and tests). Never throws. */
export async function runRestoreEvent(service: RestoreService, event: RestoreWorkerEvent, log?: RestoreWorkerDeps["log"]): Promise<RestoreWorkerResult> {
  try {
    // Every invocation first closes restores a killed or timed-out run left `approved` past their
    // lease (their journal says how far they got; service.recoverInterrupted).
    const recovered = await service.recoverInterrupted().catch((e: unknown) => {
      log?.("warn", "could not check for interrupted restores", { error: String(e) });
      return [];
    });
    if (recovered.length) log?.("info", "interrupted restores closed", { ids: recovered.map((r) => `${r.id}: ${r.status}`) });
    const op = (event as { op?: unknown }).op;
    if (op === "approve") {
      const e = event as Extract<RestoreWorkerEvent, { op: "approve" }>;
      if (typeof e.id !== "string" || typeof e.approver !== "string" || !e.id || !e.approver) return { error: { code: "bad-event", message: "approve needs `id` and `approver`." } };
      const outcome = await service.approve({ id: e.id, approver: e.approver });
      log?.("info", "approval handled", { id: e.id, approver: e.approver, outcome: outcome.kind });
      return outcomeToJson(outcome);
    }
    const e = (op === "expire" ? event : {}) as { app?: string; stage?: string };
    const filter = { ...(e.app ? { app: e.app } : {}), ...(e.stage ? { stage: e.stage } : {}) };
    const expired = await service.expirePending(filter);
    if (expired.length) log?.("info", "expired restore requests", { ids: expired.map((r) => r.id) });
    return { expired: expired.map((r) => r.id) };
  } catch (e) {
    log?.("error", "restore worker failed", { error: String(e), stack: (e as Error)?.stack });
    if (isSstStateError(e)) return { error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
    return { error: { code: "internal", message: (e as Error)?.message ?? String(e) } };
  }
}

let cached: Promise<RestoreService> | undefined;

async function fromEnvironment(env: Record<string, string | undefined> = process.env): Promise<RestoreService> {
  const e = lambdaEnv(env);
  if (!e.SST_STATE_TABLE) throw new Error("SST_STATE_TABLE is not set: the restore worker needs the approvals table (infra/restore.ts links it).");
  return createServices({ env: e, runtime: "lambda", log: consoleLogger }).restoreService();
}

export async function handler(event: RestoreWorkerEvent): Promise<RestoreWorkerResult> {
  cached ??= fromEnvironment();
  let service: RestoreService;
  try {
    service = await cached;
  } catch (e) {
    cached = undefined;
    consoleLogger.error("restore worker could not start", { error: String(e) });
    return { error: { code: "not-configured", message: (e as Error)?.message ?? String(e) } };
  }
  return runRestoreEvent(service, event, (level, message, data) => consoleLogger[level](message, data));
}

/**
 * For the Slack worker (which may not write state): run an approval in the restore worker and
 * wait for its outcome. The Slack worker passes it as `approve` in its bot wiring (worker.ts →
 * `botDeps`, which hands it to the restore buttons).
 */
export function createLambdaApprover(lambda: LambdaClient, functionName: string): (input: { id: string; approver: string }) => Promise<DecisionOutcome> {
  return async ({ id, approver }) => {
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: "RequestResponse", Payload: new TextEncoder().encode(JSON.stringify({ op: "approve", id, approver })) }),
    );
    const text = r.Payload ? new TextDecoder().decode(r.Payload) : "";
    if (r.FunctionError) throw new Error(`the restore worker failed (${r.FunctionError}): ${text.slice(0, 500)}`);
    const result = JSON.parse(text || "{}") as RestoreWorkerResult;
    if ("error" in result && !("kind" in result)) {
      throw new SstStateError(result.error.code, result.error.message, result.error.hint ? { hint: result.error.hint } : {});
    }
    if (!("kind" in result)) throw new Error("the restore worker did not answer with an outcome");
    return result;
  };
}

/**
 * Where the Slack worker's approvals run: in the restore worker named by the link `RestoreWorker` /
 * SST_STATE_RESTORE_FUNCTION (the only function that may write state), else undefined (in-process).
 */
export function restoreWorkerApprover(env: Record<string, string | undefined>, lambda?: LambdaClient): ((input: { id: string; approver: string }) => Promise<DecisionOutcome>) | undefined {
  const restoreFunction = env.SST_STATE_RESTORE_FUNCTION || undefined;
  return restoreFunction ? createLambdaApprover(lambda ?? new LambdaClient({}), restoreFunction) : undefined;
}
