/** `help [verb]`: generated from the verb table (core/command/verbs.ts). */
import type { VerbHandler } from "../deps.ts";
import { renderHelp } from "../render/help.ts";

export const help: VerbHandler<"help"> = async ({ command, deps, prefix }) => ({
  visibility: "ephemeral",
  message: renderHelp({ prefix, ...(command.topic ? { topic: command.topic } : {}), ...(deps.config.app ? { defaultApp: deps.config.app } : {}) }),
});
