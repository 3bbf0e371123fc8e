/**
 * The slash command as a plain function over the core and the ports: parse the text, run the
 * verb, answer through `respond`. No Bolt here, so it is tested without an App; the Bolt listener
 * (app.ts) only acks and hands off, and the worker (worker.ts) calls this.
 */
import { parseCommand } from "@sst-state/core/command";
import { isSstStateError } from "@sst-state/core/errors";
import { randomUUID } from "node:crypto";
import type { BotDeps } from "../deps.ts";
import { renderCommandError, renderError } from "../render/error.ts";
import type { Reply } from "../render/types.ts";
import { verbHandler, type VerbContext, type VerbHandler } from "../verbs.ts";

export interface CommandInput {
  /** the text after the slash command */
  text: string;
  user: string;
  channel: string;
  /** the command as invoked (`/sst-state`), for messages */
  commandName?: string;
}

/** Run a failing piece of work into a Reply: domain errors say what to do; others get a log reference. */
export function errorReply(e: unknown, deps: Pick<BotDeps, "log">, context: Record<string, unknown>): Reply {
  if (isSstStateError(e)) {
    deps.log?.info("command failed", { ...context, code: e.code, error: e.message });
    return { visibility: "ephemeral", message: renderError(e) };
  }
  const reference = randomUUID().slice(0, 8);
  deps.log?.error("command crashed", { ...context, reference, error: String(e), stack: (e as Error)?.stack });
  return { visibility: "ephemeral", message: renderError(e, { reference }) };
}

export async function handleCommand(args: { command: CommandInput; respond: (reply: Reply) => Promise<void>; deps: BotDeps }): Promise<Reply> {
  const { command: input, respond, deps } = args;
  const prefix = input.commandName ?? "/sst-state";
  const parsed = parseCommand(input.text, { prefix });
  let reply: Reply;
  if (!parsed.ok) {
    reply = { visibility: "ephemeral", message: renderCommandError(parsed.error) };
  } else {
    const handler = verbHandler(deps, parsed.command.verb) as VerbHandler;
    const ctx: VerbContext = { command: parsed.command, user: input.user, channel: input.channel, prefix, deps };
    try {
      reply = await handler(ctx as never);
    } catch (e) {
      reply = errorReply(e, deps, { verb: parsed.command.verb, text: input.text, user: input.user, channel: input.channel });
    }
  }
  await respond(reply);
  return reply;
}
