/**
 * The diagnosis state machine (Amazon States Language), built once and used everywhere: deployed
 * by infra/workflow.ts, run in-process by packages/adapters/workflow-local.ts, checked by
 * scripts/check-asl.ts.
 *
 *   Load ─► Rules (Parallel: StructureRules | HistoryRules | LockRules) ─► Probes ─► Report
 *     └───────────────┴──────────────────────────────────────────────┴─────────┴──► NotifyFailure ─► Failed
 *
 * Payloads stay far below Step Functions' 256 KB: Load returns references only (`$.ref`), each
 * rules task reads the states itself through the StateStore, and the runner caps findings per
 * rule. Every Task/Parallel state catches everything into NotifyFailure, which posts the failure
 * to the channel; states inside the Parallel's branches cannot leave their branch, so the
 * Parallel's Catch covers them. NotifyFailure's own Catch goes straight to Failed.
 */

export interface DiagnosisResources {
  load: string;
  structureRules: string;
  historyRules: string;
  lockRules: string;
  probes: string;
  report: string;
  notifyFailure: string;
}

/** State names: the keys of aws-local-stepfunctions' taskResourceLocalHandlers, and of the tasks. */
export const STATE = {
  load: "Load",
  rules: "Rules",
  structureRules: "StructureRules",
  historyRules: "HistoryRules",
  lockRules: "LockRules",
  probes: "Probes",
  report: "Report",
  notifyFailure: "NotifyFailure",
  failed: "Failed",
} as const;

export type TaskName = Exclude<keyof typeof STATE, "rules" | "failed">;

// Transient Lambda service errors are retried; errors thrown by our handlers are not (a retry would
// repeat the same failure), they go to NotifyFailure.
const LAMBDA_RETRY = [
  {
    ErrorEquals: ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
    IntervalSeconds: 2,
    MaxAttempts: 3,
    BackoffRate: 2,
  },
];

const CATCH_ALL = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STATE.notifyFailure }];

function task(resource: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { Type: "Task", Resource: resource, TimeoutSeconds: 300, Retry: LAMBDA_RETRY, ...extra };
}

function branch(name: string, resource: string): Record<string, unknown> {
  return { StartAt: name, States: { [name]: task(resource, { End: true }) } };
}

export function buildDiagnosisDefinition(r: DiagnosisResources): Record<string, unknown> & { States: Record<string, Record<string, unknown>> } {
  return {
    Comment: "sst-state diagnose: rules for every known way SST state breaks (DESIGN §1), then cloud probes, then the report",
    StartAt: STATE.load,
    TimeoutSeconds: 900,
    States: {
      [STATE.load]: task(r.load, { ResultPath: "$.ref", Catch: CATCH_ALL, Next: STATE.rules }),
      [STATE.rules]: {
        Type: "Parallel",
        Branches: [branch(STATE.structureRules, r.structureRules), branch(STATE.historyRules, r.historyRules), branch(STATE.lockRules, r.lockRules)],
        ResultPath: "$.rules",
        Catch: CATCH_ALL,
        Next: STATE.probes,
      },
      [STATE.probes]: task(r.probes, { ResultPath: "$.cloud", Catch: CATCH_ALL, Next: STATE.report }),
      [STATE.report]: task(r.report, { ResultPath: "$.report", OutputPath: "$.report", Catch: CATCH_ALL, End: true }),
      [STATE.notifyFailure]: task(r.notifyFailure, {
        ResultPath: "$.notified",
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.notifyError", Next: STATE.failed }],
        Next: STATE.failed,
      }),
      [STATE.failed]: { Type: "Fail", Error: "DiagnosisFailed", Cause: "A diagnosis step failed; the failure was posted to the channel." },
    },
  };
}

/** Placeholder ARNs for running or validating the definition without AWS (local workflow, check-asl). */
export function placeholderResources(region = "us-east-1", account = "000000000000"): DiagnosisResources {
  const fn = (n: string) => `arn:aws:lambda:${region}:${account}:function:sst-state-diagnose-${n}`;
  return {
    load: fn("load"),
    structureRules: fn("structure-rules"),
    historyRules: fn("history-rules"),
    lockRules: fn("lock-rules"),
    probes: fn("probes"),
    report: fn("report"),
    notifyFailure: fn("notify-failure"),
  };
}
