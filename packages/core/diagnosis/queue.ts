/**
 * `/sst-state diagnose <stage>` from chat: post a "queued" message in the channel (the message the
 * workflow's tasks then update: loading… / rules done (n findings) · probes… / the report), and
 * start the workflow keyed by the Slack request id, so a retried delivery starts nothing new.
 */
import type { Notifier } from "../ports.ts";
import type { Workflow } from "./ports.ts";
import { progressText } from "./render.ts";

export interface QueueDiagnosisInput {
  app: string;
  stage: string;
  channel: string;
  /** Slack user id of the person who asked */
  user: string;
  /** Slack's id for this request (e.g. the job key): names the execution */
  requestId?: string;
  threadTs?: string;
  probes?: boolean;
}

export async function queueDiagnosis(
  deps: { workflow: Workflow; notifier: Notifier },
  req: QueueDiagnosisInput,
): Promise<{ executionId: string; alreadyRunning: boolean; channel: string; ts: string }> {
  const posted = await deps.notifier.post(req.channel, {
    text: `${progressText(req.app, req.stage, "queued")} (asked by <@${req.user}>)`,
    ...(req.threadTs ? { threadTs: req.threadTs } : {}),
  });
  let started: { executionId: string; alreadyRunning: boolean };
  try {
    started = await deps.workflow.startDiagnosis({
      app: req.app,
      stage: req.stage,
      slack: { channel: posted.channel, ts: posted.ts, ...(req.threadTs ? { threadTs: req.threadTs } : {}) },
      requestedBy: req.user,
      ...(req.requestId ? { requestId: req.requestId } : {}),
      ...(req.probes === false ? { probes: false } : {}),
    });
  } catch (e) {
    // nothing will ever update the "queued" message: say so there, then let the caller report the error
    const why = e instanceof Error ? e.message : String(e);
    await deps.notifier
      .update(posted.channel, posted.ts, { text: `:x: The diagnosis of ${req.app}/${req.stage} could not start: ${why}` })
      .catch(() => undefined);
    throw e;
  }
  if (started.alreadyRunning) {
    await deps.notifier.update(posted.channel, posted.ts, { text: `This diagnosis of ${req.app}/${req.stage} is already running; its report will appear in the first message.` });
  }
  return { ...started, channel: posted.channel, ts: posted.ts };
}
