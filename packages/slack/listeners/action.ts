/** The button listener (Release, Approve, Reject, Undo): acks at once, then hands the click off. */
import type { AllMiddlewareArgs, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { SlackJob } from "../jobs.ts";
import { handOffOrSay, type ListenerOptions } from "./hand-off.ts";

export function actionListener(opts: ListenerOptions) {
  return async ({ ack, body, action, respond, context }: SlackActionMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (body.type !== "block_actions" || action.type !== "button" || !("action_id" in action)) return;
    const retryNum = typeof context.retryNum === "number" ? context.retryNum : undefined;
    const job: SlackJob = {
      kind: "action",
      actionId: action.action_id,
      command: action.value ?? "",
      responseUrl: body.response_url,
      channel: body.channel?.id ?? body.container?.channel_id ?? "",
      user: body.user.id,
      teamId: body.team?.id ?? body.user.team_id ?? "",
      triggerId: body.trigger_id,
      receivedAt: Date.now(),
      ...(retryNum ? { retryNum } : {}),
    };
    await handOffOrSay(opts, job, respond);
  };
}
