/**
 * `sst-state unlock <stage> [--force --reason R]`: release our deploy lock. Without --force it
 * releases only a lock held by the same holder (you, or this CI identity: `--holder` cannot claim
 * someone else's identity), and only that lease's
 * token, so it can never release a lease taken after it. --force breaks anyone's lock and records
 * who broke it and why (announced like every other lock change).
 */
import { describeHeldLock } from "@sst-state/core/lock";
import type { CliCommand } from "../cli-types.ts";
import { createStyle } from "../output.ts";
import { cliLocker, holderOf, lockJson, requireKnownStage } from "./lock.ts";

const unlock: CliCommand<"unlock"> = {
  verb: "unlock",
  async run(args, ctx) {
    const { target, force, reason = "" } = args.command;
    const { app, stage } = await ctx.services.target(target);
    // Who you are is the CI identity or user@host, never what --holder claims: naming another
    // holder releases nothing without --force, and a forced release is announced as your break.
    const me = holderOf(ctx, undefined).holder;
    const claimed = typeof args.flags.holder === "string" && args.flags.holder ? args.flags.holder : undefined;
    const locker = await cliLocker(ctx);
    const style = createStyle(ctx.io.color);
    const print = (json: object, text: string) => ctx.io.out(args.flags.json ? JSON.stringify(json) : text);

    // A lock row decides, not the state: a stage locked with --new-stage (or whose state was
    // removed) has a lease and no state, and must still be unlockable. Only "no lock and no state"
    // is a typo (exit 2 with the stages); "no lock" on a real stage is nothing to do (exit 0).
    const current = await locker.get(app, stage);
    if (!current) await requireKnownStage(ctx, app, stage, { what: "and no deploy lock", advice: "Nothing was unlocked." });
    if (force) {
      const res = await locker.forceRelease(app, stage, me, reason);
      if (!res.released) print({ released: false, lock: null, message: res.reason }, `${stage} is not locked; nothing to break.`);
      else print({ released: true, forced: true, lock: lockJson(res.lock), by: me, reason, message: res.message }, `${style.yellow("broken")}: ${res.message}`);
      return 0;
    }
    if (!current) {
      print({ released: false, lock: null, message: `${stage} is not locked` }, `${stage} is not locked.`);
      return 0;
    }
    if (current.holder !== me || (claimed !== undefined && claimed !== me)) {
      const claim = claimed !== undefined && claimed !== me ? ` --holder ${claimed} does not make you its holder.` : "";
      const why = `${describeHeldLock(current, ctx.services.clock.now())}; it is not yours (you are ${me}).${claim} To break it: sst-state unlock ${stage} --force --reason "…"`;
      print({ released: false, lock: lockJson(current), message: why }, `${style.red("held")}: ${why}`);
      return 1;
    }
    const res = await locker.release(current);
    if (!res.released) {
      print({ released: false, lock: res.lock ? lockJson(res.lock) : null, message: res.reason }, `${style.red("not released")}: ${res.reason}`);
      return 1;
    }
    print({ released: true, lock: lockJson(res.lock), heldMs: res.heldMs, message: res.message }, `${style.green("unlocked")}: ${res.message}`);
    return 0;
  },
};
export default unlock;
