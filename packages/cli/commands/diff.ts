import { UsageError } from "@sst-state/core/errors";
import { getDiff } from "@sst-state/core/queries";
import type { CliCommand } from "../cli-types.ts";
import { createStyle } from "../output.ts";
import { renderDiff } from "../render/diff.ts";

const diff: CliCommand = {
  name: "diff",
  usage: "diff <stage> [FROM] [TO]",
  summary: "what changed between two versions (default: previous → latest), by resource and property path",
  help:
    "Versions: latest, previous, ~N (N deploys back), an updateID, an S3 version id.\n" +
    "Examples:\n  sst-state diff prod\n  sst-state diff prod ~3 latest\n  sst-state diff prod 3f2a…(updateID) --json",
  readsState: true,
  flags: {},
  async run(args, ctx) {
    if (args.positionals.length > 3) {
      throw new UsageError(`diff takes a stage and at most two versions, not "${args.positionals.slice(3).join(" ")}".`, "Usage: sst-state diff <stage> [FROM] [TO]");
    }
    const [target, from = "previous", to = "latest"] = args.positionals;
    const { app, stage } = await ctx.services.target(target);
    const store = await ctx.services.stateStore();
    const report = await getDiff({ store, clock: ctx.services.clock }, app, stage, from, to);
    if (args.flags.json) ctx.io.out(JSON.stringify(report));
    else ctx.io.out(renderDiff(report, createStyle(ctx.io.color)));
    return 0;
  },
};
export default diff;
