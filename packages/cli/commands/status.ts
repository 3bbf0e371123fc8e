import { getStatus } from "@sst-state/core/queries";
import type { CliCommand } from "../cli-types.ts";
import { createStyle } from "../output.ts";
import { renderStatus } from "../render/status.ts";
import { optionalTableStores } from "../locks.ts";

const status: CliCommand<"status"> = {
  verb: "status",
  async run(args, ctx) {
    const { app, stage } = await ctx.services.target(args.command.target);
    const store = await ctx.services.stateStore();
    // the table opens while the state is read (getStatus waits for it only where it needs it)
    const report = await getStatus({ store, clock: ctx.services.clock }, app, stage, optionalTableStores(ctx.services));
    if (args.flags.json) ctx.io.out(JSON.stringify(report));
    else ctx.io.out(renderStatus(report, createStyle(ctx.io.color), ctx.services.clock.now()));
    const problem = !!report.lock || !!report.lastUpdate?.errors.length || (!!report.lastUpdate && !report.lastUpdate.timeCompleted) || report.pendingOperations.length > 0;
    return problem ? 1 : 0;
  },
};
export default status;
