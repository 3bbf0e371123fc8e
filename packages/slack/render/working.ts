/** The ack: a short reply sent before any work starts (Slack needs an answer within 3 s). */
import type { SlackCommand as Command } from "@sst-state/core/command";
import { truncate } from "./limits.ts";
import { code, esc } from "./text.ts";

const DOING: Record<Command["verb"], string> = {
  status: "Reading the status of",
  history: "Listing the history of",
  diff: "Comparing versions of",
  diagnose: "Starting a diagnosis of",
  restore: "Preparing a restore request for",
  repair: "Checking a repair of",
  lock: "Taking the deploy lock of",
  unlock: "Releasing the deploy lock of",
  locks: "Listing deploy locks",
  help: "Looking up",
};

export function workingText(command: Command): string {
  if (command.verb === "locks") return `:hourglass_flowing_sand: ${DOING.locks}${command.app ? ` of ${esc(command.app)}` : ""}…`;
  if (command.verb === "help") return ":hourglass_flowing_sand: Looking up the commands…";
  const t = command.target;
  return truncate(`:hourglass_flowing_sand: ${DOING[command.verb]} ${code(`${t.app ? `${t.app}/` : ""}${t.stage}`)}…`, 300);
}
