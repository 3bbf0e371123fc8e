/**
 * The worker: runs one handed-off job and answers in Slack. The same function runs in the worker
 * Lambda (packages/functions/worker.ts) and behind `serve`'s in-process queue.
 *
 * 1. Claim the job's key (Slack's ids): a retried delivery is dropped here, so it is answered once.
 * 2. Run the verb / action (dispatch.ts → verbs/*), which turns every failure into a user-facing Reply.
 * 3. Deliver: through response_url, or — when the answer carries a file (a large diff) — as a
 *    channel message with the file in its thread; if the bot cannot post in that channel (not a
 *    member, a DM), the summary still goes through response_url with a note.
 */
import type { BotDeps } from "./deps.ts";
import { DEFAULT_CLAIM_TTL_MS } from "./idempotency.ts";
import { jobKey, type SlackJob } from "./jobs.ts";
import { handleAction, handleCommand } from "./dispatch.ts";
import { context } from "./render/limits.ts";
import type { Reply } from "./render/types.ts";
import type { ResponseBody } from "@sst-state/core/ports";

/** A reply as the body posted to a response_url. */
export function replyBody(reply: Reply): ResponseBody {
  return { response_type: reply.visibility, text: reply.message.text, blocks: reply.message.blocks };
}

export type JobOutcome = { status: "done"; reply: Reply } | { status: "duplicate"; key: string };

function slackError(e: unknown): string {
  return (e as { data?: { error?: string } })?.data?.error ?? (e as Error)?.message ?? String(e);
}

export async function deliverReply(reply: Reply, job: SlackJob, deps: BotDeps): Promise<void> {
  if (reply.file) {
    let posted: { channel: string; ts: string } | undefined;
    try {
      posted = await deps.notifier.post(job.channel, reply.message);
    } catch (e) {
      deps.log?.warn("could not post in the channel; answering through response_url", { channel: job.channel, error: slackError(e) });
    }
    if (posted) {
      try {
        await deps.notifier.upload(posted.channel, { ...reply.file, threadTs: posted.ts });
      } catch (e) {
        deps.log?.warn("file upload failed", { channel: posted.channel, error: slackError(e) });
        await deps.notifier.post(posted.channel, {
          threadTs: posted.ts,
          text: `Could not attach the full diff (${slackError(e)}). Run \`sst-state diff\` from a terminal for all of it.`,
        });
      }
      return;
    }
    const note = `I cannot post in this channel, so the full diff is not attached: invite me (\`/invite @sst-state\`) or run \`sst-state diff\` from a terminal.`;
    reply = { visibility: reply.visibility, message: { text: reply.message.text, blocks: [...reply.message.blocks.slice(0, 48), context(note)] } };
  }
  if (job.responseUrl) {
    try {
      await deps.respond(job.responseUrl, replyBody(reply));
      return;
    } catch (e) {
      if (reply.visibility === "ephemeral") throw e;
      deps.log?.warn("response_url failed; posting in the channel", { error: String(e) });
    }
  }
  await deps.notifier.post(job.channel, reply.message);
}

export async function runJob(job: SlackJob, deps: BotDeps): Promise<JobOutcome> {
  const key = jobKey(job);
  let claimed = true;
  try {
    claimed = await deps.idempotency.claim(key, DEFAULT_CLAIM_TTL_MS);
  } catch (e) {
    // Better to answer twice than never: a broken de-duplication table must not silence the bot.
    deps.log?.warn("could not record the request; answering anyway", { key, error: String(e) });
  }
  if (!claimed) {
    deps.log?.info("duplicate delivery dropped", { key, retryNum: job.retryNum });
    return { status: "duplicate", key };
  }
  const respond = async (reply: Reply) => {
    try {
      await deliverReply(reply, job, deps);
    } catch (e) {
      deps.log?.error("could not deliver the answer", { key, error: slackError(e) });
    }
  };
  const reply =
    job.kind === "action"
      ? await handleAction({
          action: { actionId: job.actionId ?? "", value: job.command, user: job.user, channel: job.channel, ...(job.commandName ? { commandName: job.commandName } : {}) },
          respond,
          deps,
        })
      : await handleCommand({
          command: { text: job.command, user: job.user, channel: job.channel, ...(job.commandName ? { commandName: job.commandName } : {}) },
          respond,
          deps,
        });
  return { status: "done", reply };
}
