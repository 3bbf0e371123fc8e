/** `history <stage>`: the stage's versions, newest first (core/queries.ts getHistory). */
import { getHistory, resolveApp } from "@sst-state/core/queries";
import type { VerbHandler } from "../deps.ts";
import { renderHistory } from "../render/history.ts";
import { queryDeps } from "./query-deps.ts";

export const history: VerbHandler<"history"> = async ({ command, deps, prefix }) => {
  const app = await resolveApp(deps.store, command.target.app, deps.config);
  const report = await getHistory(queryDeps(deps), app, command.target.stage, {
    all: command.all,
    ...(command.limit !== undefined ? { limit: command.limit } : {}),
    ...(command.cursor !== undefined ? { cursor: command.cursor } : {}),
  });
  return { visibility: "in_channel", message: renderHistory(report, { now: deps.clock.now(), prefix, all: command.all }) };
};
