/** A button click (Release, and later Approve / Reject) as a plain function, like slash-command.ts. */
import type { BotDeps } from "../deps.ts";
import { LIMITS, section } from "../render/limits.ts";
import type { Reply } from "../render/types.ts";
import { actionHandler } from "../verbs.ts";
import { errorReply } from "./slash-command.ts";

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
