import { UsageError } from "@sst-state/core/errors";
import { getHistory } from "@sst-state/core/queries";
import type { CliCommand } from "../cli-types.ts";
import { createStyle } from "../output.ts";
import { renderHistory } from "../render/history.ts";

const history: CliCommand = {
  name: "history",
  usage: "history <stage> [--limit N] [--all]",
  summary: "the stage's versions, one per deploy, newest first (--all: raw S3 object versions, paged)",
  help: "Examples:\n  sst-state history prod\n  sst-state history prod --all --limit 100\n  sst-state history prod --all --cursor <from the previous page>",
  readsState: true,
  flags: {
    limit: { type: "string", value: "N", description: "how many versions (default 20)" },
    all: { type: "boolean", description: "also list the raw S3 object versions of app/<app>/<stage>.json (a deploy pushes many)" },
    cursor: { type: "string", value: "C", description: "with --all: the page after this cursor" },
  },
  async run(args, ctx) {
    const limitText = args.flags.limit;
    const limit = limitText === undefined ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError(`--limit must be a whole number from 1 to 10000, not "${String(limitText)}".`);
    if (args.positionals.length > 1) throw new UsageError(`history takes one stage, not "${args.positionals.join(" ")}".`, "Usage: sst-state history <stage> [--limit N] [--all]");
    const { app, stage } = await ctx.services.target(args.positionals[0]);
    const store = await ctx.services.stateStore();
    const report = await getHistory({ store, clock: ctx.services.clock }, app, stage, {
      limit,
      all: args.flags.all === true,
      ...(typeof args.flags.cursor === "string" ? { cursor: args.flags.cursor } : {}),
    });
    if (args.flags.json) ctx.io.out(JSON.stringify(report));
    else ctx.io.out(renderHistory(report, createStyle(ctx.io.color), ctx.services.clock.now()));
    return 0;
  },
};
export default history;
