/** `sst-state audit <stage>`: the stage's audit log (restore requests, approvals, rejections, expiries, restores), newest first. */
import type { CliCommand } from "../cli-types.ts";
import { createStyle, relativeTime, table } from "../output.ts";
import { requireKnownStage } from "./lock.ts";

const audit: CliCommand<"audit"> = {
  verb: "audit",
  async run(args, ctx) {
    const limit = args.command.limit ?? 20;
    const { app, stage } = await ctx.services.target(args.command.target);
    // a restore an earlier process left half-done is closed (and audited) before the log is read
    await import("./restore.ts").then(({ cliRestoreService }) => cliRestoreService(ctx)).catch((e: unknown) => ctx.io.err(`warning: could not check for interrupted restores (${(e as Error)?.message ?? String(e)})`));
    const log = await ctx.services.audit();
    const entries = await log.list(app, stage, { limit });
    // A removed stage keeps its audit entries: only "no entries and no state" is a typo.
    if (!entries.length) await requireKnownStage(ctx, app, stage, { what: "and no audit entries" });
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
