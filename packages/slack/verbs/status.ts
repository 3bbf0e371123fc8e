/** `status <stage>`: the stage's current state, lock and last deploy (core/queries.ts getStatus). */
import { getStatus, resolveApp } from "@sst-state/core/queries";
import type { VerbHandler } from "../deps.ts";
import { renderStatus } from "../render/status.ts";
import { queryDeps } from "./query-deps.ts";

export const status: VerbHandler<"status"> = async ({ command, deps, prefix }) => {
  const app = await resolveApp(deps.store, command.target.app, deps.config);
  const report = await getStatus(queryDeps(deps), app, command.target.stage);
  return { visibility: "in_channel", message: renderStatus(report, { now: deps.clock.now(), prefix }) };
};
