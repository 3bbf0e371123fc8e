/**
 * Dispatch: a slash command's text or a button click, run as a plain function over the core and
 * the ports — parse the text, find the verb's (or the button's) handler in the maps of
 * verbs/index.ts, run it, turn a failure into a Reply, answer through `respond`. No Bolt here, so
 * it is tested without an App; the Bolt listeners (listeners/) only ack and hand off, and the
 * worker (worker.ts) calls this.
 */
import { parseCommand } from "@sst-state/core/command";
import { isSstStateError } from "@sst-state/core/errors";
import { randomUUID } from "node:crypto";
import type { BotDeps } from "./deps.ts";
import { renderCommandError, renderError } from "./render/error.ts";
import { LIMITS, section } from "./render/limits.ts";
import type { Reply } from "./render/types.ts";
import { actionHandler, verbHandler, type VerbContext, type VerbHandler } from "./verbs/index.ts";

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

/** A button click (Release, Approve, Reject, Undo). */
export interface ActionInput {
  actionId: string;
  value: string;
  user: string;
  channel: string;
  commandName?: string;
}

export async function handleAction(args: { action: ActionInput; respond: (reply: Reply) => Promise<void>; deps: BotDeps }): Promise<Reply> {
  const { action, respond, deps } = args;
  const handler = actionHandler(deps, action.actionId);
  let reply: Reply;
  // Buttons are ours, so their values are short and printable; anything else was forged.
  const forged = action.value.length > LIMITS.buttonValue || /[\u0000-\u001f]/.test(action.value);
  if (forged) {
    deps.log?.warn("refused a button value sst-state never makes", { actionId: action.actionId, length: action.value.length });
    reply = { visibility: "ephemeral", message: { text: "This button's value is not one sst-state made.", blocks: [section("This button's value is not one sst-state made; nothing was done.")] } };
  } else if (!handler) {
    deps.log?.warn("unknown action", { actionId: action.actionId });
    reply = { visibility: "ephemeral", message: { text: "This button is not handled any more.", blocks: [section("This button is not handled by this version of the bot.")] } };
  } else {
    try {
      reply = await handler({ ...action, prefix: action.commandName ?? "/sst-state", deps });
    } catch (e) {
      reply = errorReply(e, deps, { actionId: action.actionId, user: action.user, channel: action.channel });
    }
  }
  await respond(reply);
  return reply;
}
