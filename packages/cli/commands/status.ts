import { UsageError } from "@sst-state/core/errors";
import { getStatus } from "@sst-state/core/queries";
import type { CliCommand } from "../cli-types.ts";
import { createStyle } from "../output.ts";
import { renderStatus } from "../render/status.ts";
import { optionalTableStores } from "../locks.ts";

const status: CliCommand = {
  name: "status",
  usage: "status <stage>",
  summary: "resources, last update and its errors, SST's lock and ours, pending operations",
  help: "Examples:\n  sst-state status prod\n  sst-state status shop/prod --json\n\nExit 1 when SST's lock is held or the last update failed or never completed.",
  readsState: true,
  flags: {},
  async run(args, ctx) {
    if (args.positionals.length > 1) throw new UsageError(`status takes one stage, not "${args.positionals.join(" ")}".`, "Usage: sst-state status <stage>");
    const { app, stage } = await ctx.services.target(args.positionals[0]);
    const store = await ctx.services.stateStore();
    const stores = await optionalTableStores(ctx.services);
    const report = await getStatus({ store, clock: ctx.services.clock, ...stores }, app, stage);
    if (args.flags.json) ctx.io.out(JSON.stringify(report));
    else ctx.io.out(renderStatus(report, createStyle(ctx.io.color), ctx.services.clock.now()));
    const problem = !!report.lock || !!report.lastUpdate?.errors.length || (!!report.lastUpdate && !report.lastUpdate.timeCompleted) || report.pendingOperations.length > 0;
    return problem ? 1 : 0;
  },
};
export default status;
