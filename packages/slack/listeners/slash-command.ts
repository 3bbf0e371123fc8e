/**
 * The `/sst-state` listener (any command name: the manifest can rename it). It acks FIRST, within
 * Slack's 3 s and before any state is read: mistakes in the text and `help` need no state, so they
 * are answered in the ack itself; anything else gets a short "working…" and is handed off.
 */
import { parseCommand } from "@sst-state/core/command";
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import type { SlackJob } from "../jobs.ts";
import { renderCommandError } from "../render/error.ts";
import { renderHelp } from "../render/help.ts";
import { workingText } from "../render/working.ts";
import { handOffOrSay, type ListenerOptions } from "./hand-off.ts";

export function slashCommandListener(opts: ListenerOptions) {
  return async ({ command, ack, respond, context }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const retryNum = typeof context.retryNum === "number" ? context.retryNum : undefined;
    const parsed = parseCommand(command.text ?? "", { prefix: command.command });
    if (!parsed.ok) {
      const m = renderCommandError(parsed.error);
      await ack({ response_type: "ephemeral", text: m.text, blocks: m.blocks as never });
      return;
    }
    if (parsed.command.verb === "help") {
      const m = renderHelp({ prefix: command.command, ...(parsed.command.topic ? { topic: parsed.command.topic } : {}), ...(opts.defaultApp ? { defaultApp: opts.defaultApp } : {}) });
      await ack({ response_type: "ephemeral", text: m.text, blocks: m.blocks as never });
      return;
    }
    // A retry means the first ack may have been seen already: ack without a second "working…".
    if (retryNum) await ack();
    else await ack({ response_type: "ephemeral", text: workingText(parsed.command) });

    const job: SlackJob = {
      kind: "command",
      command: command.text ?? "",
      commandName: command.command,
      responseUrl: command.response_url,
      channel: command.channel_id,
      user: command.user_id,
      teamId: command.team_id,
      triggerId: command.trigger_id,
      receivedAt: Date.now(),
      ...(retryNum ? { retryNum } : {}),
    };
    await handOffOrSay(opts, job, respond);
  };
}
