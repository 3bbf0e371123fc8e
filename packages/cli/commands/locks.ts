/** `sst-state locks`: every live deploy lock (of one app with --app / SST_STATE_APP / sst-state.json, else all). */
import type { CliCommand } from "../cli-types.ts";
import { createStyle, relativeTime, table } from "../output.ts";
import { cliLocker, lockJson } from "./lock.ts";

const locks: CliCommand<"locks"> = {
  verb: "locks",
  async run(args, ctx) {
    const app = args.command.app ?? ctx.env.SST_STATE_APP ?? ctx.services.config().app;
    const locker = await cliLocker(ctx);
    const leases = await locker.list(app);
    if (args.flags.json) {
      ctx.io.out(JSON.stringify({ ...(app ? { app } : {}), locks: leases.map(lockJson) }));
      return 0;
    }
    if (!leases.length) {
      ctx.io.out(app ? `No deploy locks held for ${app}.` : "No deploy locks held.");
      return 0;
    }
    const style = createStyle(ctx.io.color);
    const now = ctx.services.clock.now();
    ctx.io.out(
      table([
        ["STAGE", "HOLDER", "REASON", "SINCE", "EXPIRES", "TOKEN"].map((h) => style.dim(h)),
        ...leases.map((l) => [
          style.bold(app ? l.stage : `${l.app}/${l.stage}`),
          l.holder,
          l.reason + (l.runUrl ? ` ${style.dim(l.runUrl)}` : ""),
          relativeTime(l.acquiredAt, now),
          relativeTime(l.expiresAt, now),
          String(l.token),
        ]),
      ]),
    );
    return 0;
  },
};
export default locks;
