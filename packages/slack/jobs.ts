/**
 * The hand-off between the ingress (which acks within Slack's 3 s) and the worker (which reads
 * state and answers). A job is small, plain JSON: it travels as a Lambda async-invoke payload, or
 * through the in-process queue of `serve`.
 */
import { createHash } from "node:crypto";

export interface SlackJob {
  /** `command`: a slash command; `action`: a button (Release, Approve, Reject…) */
  kind: "command" | "action";
  /** the text after the slash command (kind command), or the button's value (kind action) */
  command: string;
  /** the button's action_id (kind action) */
  actionId?: string;
  /** the slash command as invoked (`/sst-state`), used in messages */
  commandName?: string;
  responseUrl: string;
  channel: string;
  user: string;
  teamId: string;
  triggerId: string;
  /** Slack's `X-Slack-Retry-Num` when this delivery was a retry */
  retryNum?: number;
  /** epoch ms at which the ingress received it */
  receivedAt?: number;
}

/**
 * The key a delivery is de-duplicated by: Slack's trigger_id is unique per invocation and is the
 * same in every retry of it. Without one, a hash of the ids that identify the request.
 */
export function jobKey(job: SlackJob): string {
  if (job.triggerId) return `${job.teamId || "-"}:${job.triggerId}`;
  const h = createHash("sha256").update(JSON.stringify([job.kind, job.teamId, job.user, job.channel, job.actionId, job.command, job.responseUrl])).digest("hex");
  return `${job.teamId || "-"}:h:${h.slice(0, 32)}`;
}
