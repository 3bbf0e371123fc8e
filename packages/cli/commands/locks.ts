/** `sst-state locks`: every live deploy lock (of one app with --app / SST_STATE_APP / sst-state.json, else all). */
import type { CliCommand } from "../cli-types.ts";
import { createStyle, relativeTime, table } from "../output.ts";
import { cliLocker, lockJson } from "./lock.ts";

const locks: CliCommand = {
  name: "locks",
  usage: "locks [--app A]",
  summary: "the deploy locks held now: who, why, since when, until when",
  help: "Examples:\n  sst-state locks\n  sst-state locks --app shop --json",
  flags: {
    app: { type: "string", value: "A", description: "only this app (default: SST_STATE_APP or sst-state.json; else every app)" },
    json: { type: "boolean", description: "print one JSON object on stdout" },
  },
  async run(args, ctx) {
    const app = (typeof args.flags.app === "string" ? args.flags.app : undefined) ?? ctx.env.SST_STATE_APP ?? ctx.services.config().app;
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
