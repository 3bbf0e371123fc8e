/** `sst-state audit <stage>`: the stage's audit log (restore requests, approvals, rejections, expiries, restores), newest first. */
import { createDynamoAuditLog } from "@sst-state/adapters/dynamodb-audit-log";
import { UsageError } from "@sst-state/core/errors";
import type { CliCommand } from "../cli-types.ts";
import { createStyle, relativeTime, table } from "../output.ts";

const audit: CliCommand = {
  name: "audit",
  usage: "audit <stage> [--limit N]",
  summary: "who asked for, approved, rejected and ran restores of a stage, newest first",
  help: "Examples:\n  sst-state audit prod\n  sst-state audit prod --limit 5 --json",
  readsState: true,
  flags: { limit: { type: "string", value: "N", description: "at most N entries (default 20)" } },
  async run(args, ctx) {
    const [target] = args.positionals;
    const raw = args.flags.limit;
    const limit = typeof raw === "string" ? Number(raw) : 20;
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive whole number, not "${String(raw)}".`);
    const { app, stage } = await ctx.services.target(target);
    const log = createDynamoAuditLog(await ctx.services.table());
    const entries = await log.list(app, stage, { limit });
    if (args.flags.json) {
      ctx.io.out(JSON.stringify({ app, stage, entries }));
      return 0;
    }
    const style = createStyle(ctx.io.color);
    if (!entries.length) {
      ctx.io.out(`${app}/${stage}: no audit entries yet (restore requests, approvals and restores appear here).`);
      return 0;
    }
    const now = ctx.services.clock.now();
    ctx.io.out(
      [
        style.bold(`${app}/${stage}: audit log, newest first`),
        table(entries.map((e) => [style.dim(e.time.replace("T", " ").slice(0, 19)), style.dim(relativeTime(e.time, now)), e.action.replace(/^restore\./, "restore "), e.actor, e.message])),
      ].join("\n"),
    );
    return 0;
  },
};
export default audit;
