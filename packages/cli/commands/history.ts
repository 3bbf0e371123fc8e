import { getHistory } from "@sst-state/core/queries";
import type { CliCommand } from "../cli-types.ts";
import { createStyle } from "../output.ts";
import { renderHistory } from "../render/history.ts";

const history: CliCommand<"history"> = {
  verb: "history",
  async run(args, ctx) {
    const { command } = args;
    const { app, stage } = await ctx.services.target(command.target);
    const store = await ctx.services.stateStore();
    const report = await getHistory({ store, clock: ctx.services.clock }, app, stage, {
      all: command.all,
      ...(command.limit !== undefined ? { limit: command.limit } : {}),
      ...(command.cursor !== undefined ? { cursor: command.cursor } : {}),
    });
    if (args.flags.json) ctx.io.out(JSON.stringify(report));
    else ctx.io.out(renderHistory(report, createStyle(ctx.io.color), ctx.services.clock.now()));
    return 0;
  },
};
export default history;
