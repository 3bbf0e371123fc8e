import { getDiff } from "@sst-state/core/queries";
import type { CliCommand } from "../cli-types.ts";
import { createStyle } from "../output.ts";
import { renderDiff } from "../render/diff.ts";

const diff: CliCommand<"diff"> = {
  verb: "diff",
  async run(args, ctx) {
    const { target, from, to } = args.command;
    const { app, stage } = await ctx.services.target(target);
    const store = await ctx.services.stateStore();
    const report = await getDiff({ store, clock: ctx.services.clock }, app, stage, from, to);
    if (args.flags.json) ctx.io.out(JSON.stringify(report));
    else ctx.io.out(renderDiff(report, createStyle(ctx.io.color)));
    return 0;
  },
};
export default diff;
