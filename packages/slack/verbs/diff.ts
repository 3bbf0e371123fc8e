/** `diff <stage> [from] [to]`: what changed between two versions (core/queries.ts getDiff); a large diff comes with a file. */
import { getDiff, resolveApp } from "@sst-state/core/queries";
import type { VerbHandler } from "../deps.ts";
import { renderDiff } from "../render/diff.ts";
import { queryDeps } from "./query-deps.ts";

export const diff: VerbHandler<"diff"> = async ({ command, deps, prefix }) => {
  const app = await resolveApp(deps.store, command.target.app, deps.config);
  const report = await getDiff(queryDeps(deps), app, command.target.stage, command.from, command.to);
  const rendered = renderDiff(report, { app, stage: command.target.stage, prefix });
  return { visibility: "in_channel", message: rendered.message, ...(rendered.file ? { file: rendered.file } : {}) };
};
