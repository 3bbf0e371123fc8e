/**
 * Ports of the diagnosis area: the cloud probes (read-only AWS look-ups the state cannot answer)
 * and the workflow that runs a diagnosis (Step Functions in AWS, aws-local-stepfunctions on one
 * machine). Probe adapters never throw for AWS trouble: throttling (after the SDK's retries),
 * access denied or a missing store come back as `{ok:false, why}` and end up in the report's
 * `skipped`.
 */
import type { ProbeOutcome } from "./types.ts";

export interface RouterKvProbe {
  /** Every `<ns>:routes` key of the KeyValueStore → its route entries (chunked values joined). */
  listRouteEntries(kvStoreArn: string): Promise<ProbeOutcome<Record<string, string[]>>>;
}

export interface TaggedResourcesProbe {
  /** ARNs of every resource tagged `sst:app=<app>` and `sst:stage=<stage>` (all pages). */
  listTaggedArns(app: string, stage: string): Promise<ProbeOutcome<string[]>>;
}

export interface DiagnosisProbes {
  routerKv?: RouterKvProbe;
  tagged?: TaggedResourcesProbe;
  /** why there are no probes (e.g. "no AWS credentials configured"), reported as skipped */
  unavailable?: string;
}

/** Where the Slack message of this diagnosis lives (progress updates and the report go there). */
export interface SlackRef {
  channel: string;
  /** the "queued" message to update; without it, the report is posted as a new message */
  ts?: string;
  threadTs?: string;
  responseUrl?: string;
}

/** The execution input of the diagnosis workflow. Small: references only. */
export interface DiagnosisRequest {
  app: string;
  stage: string;
  slack?: SlackRef;
  /** false: do not run the cloud probes (default: run them when AWS access is configured) */
  probes?: boolean;
  /** who asked (Slack user id, `user@host`) */
  requestedBy?: string;
  /** the id of the request that asked (Slack's request/job id): names the execution, so a retry
   *  of the same request is not run twice; without it the Slack message (channel + ts) names it */
  requestId?: string;
}

export interface Workflow {
  /** Start a diagnosis; a request already running (same Slack ids) is not started twice. */
  startDiagnosis(input: DiagnosisRequest): Promise<{ executionId: string; alreadyRunning: boolean }>;
}

/**
 * The execution name for a request: derived from the Slack ids (channel + message ts) so that a
 * Slack retry maps to the same execution; Step Functions allows 80 characters of `[A-Za-z0-9-_]`.
 */
export function executionNameOf(req: DiagnosisRequest): string {
  const id = req.requestId ?? (req.slack?.ts ? `${req.slack.channel}-${req.slack.ts}` : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
  const raw = `diagnose-${req.app}-${req.stage}-${id}`.replace(/[^A-Za-z0-9_-]/g, "_");
  if (raw.length <= 80) return raw;
  // keep the unique tail (the Slack ids), shorten the app/stage part
  return `diagnose-${id.replace(/[^A-Za-z0-9_-]/g, "_")}`.slice(-80);
}
