/** `sst-state lock <stage> --reason R [--ttl 30m]`: take our deploy lock (a lease; DESIGN §3, §4). */
import { hostname, userInfo } from "node:os";
import { AppNotFoundError, SstStateError } from "@sst-state/core/errors";
import { defaultHolder, describeHeldLock, type HolderIdentity, type Lease, type Locker } from "@sst-state/core/lock";
import type { CliCommand, CliContext } from "../cli-types.ts";
import { createStyle } from "../output.ts";

/** The `lock` JSON contract's lease (DESIGN §4), plus runUrl when there is one. */
export function lockJson(l: Lease) {
  return { app: l.app, stage: l.stage, holder: l.holder, reason: l.reason, token: l.token, acquiredAt: l.acquiredAt, expiresAt: l.expiresAt, ...(l.runUrl ? { runUrl: l.runUrl } : {}) };
}

/** Who we are: --holder, else the CI identity (with the run link), else user@host. */
export function holderOf(ctx: CliContext, flag: unknown): HolderIdentity {
  const id = defaultHolder(ctx.env, machine());
  return typeof flag === "string" && flag ? { ...id, holder: flag } : id;
}

function machine(): { user?: string; host?: string } {
  try {
    return { user: userInfo().username, host: hostname() };
  } catch {
    return { host: hostname() };
  }
}

export async function cliLocker(ctx: CliContext): Promise<Locker> {
  return ctx.services.locker();
}

/**
 * A deploy lock only makes sense on a stage that exists: `lock prodd` (a typo) must not succeed
 * while prod stays open. The first deploy of a new stage has no state yet: `--new-stage` says so.
 */
export async function requireDeployedStage(ctx: CliContext, app: string, stage: string, newStage: unknown): Promise<void> {
  if (newStage === true) return;
  await requireKnownStage(ctx, app, stage, {
    what: "so it was not locked",
    advice: `If ${stage} is about to be deployed for the first time, add --new-stage.`,
  });
}

/**
 * Exit 2 listing the app's stages when `stage` has no state: a typo (`unlock prodd`, `audit prdo`)
 * must not answer "nothing to do" as if the stage existed. Callers first look for what the stage
 * may have without state (a lock taken with --new-stage, audit entries of a removed stage).
 */
export async function requireKnownStage(ctx: CliContext, app: string, stage: string, says: { what: string; advice?: string }): Promise<void> {
  const store = await ctx.services.stateStore();
  const advice = says.advice ? ` ${says.advice}` : "";
  let known: string[];
  try {
    known = await store.listStages(app);
  } catch (e) {
    if (e instanceof AppNotFoundError) throw new SstStateError("app-not-found", e.message, { hint: `${e.hint ?? ""}${advice}`.trim(), exitCode: 2 });
    throw e;
  }
  if (known.includes(stage)) return;
  throw new SstStateError("stage-not-found", `Stage "${stage}" of app "${app}" has no state in ${store.location}, ${says.what}.`, {
    hint: `${known.length ? `Stages of ${app}: ${known.join(", ")}.` : `App ${app} has no stages there yet.`}${advice}`,
    exitCode: 2,
  });
}

const lock: CliCommand<"lock"> = {
  verb: "lock",
  async run(args, ctx) {
    const { target, reason, ttlMs } = args.command;
    const { app, stage } = await ctx.services.target(target);
    await requireDeployedStage(ctx, app, stage, args.flags["new-stage"]);
    const who = holderOf(ctx, args.flags.holder);
    const locker = await cliLocker(ctx);
    const res = await locker.acquire({ app, stage, holder: who.holder, reason, ...(who.runUrl ? { runUrl: who.runUrl } : {}), ...(ttlMs ? { ttlMs } : {}) });
    if (args.flags.json) {
      ctx.io.out(JSON.stringify({ acquired: res.acquired, lock: lockJson(res.lock), message: res.message, ...(res.acquired && res.tookOver ? { tookOver: lockJson(res.tookOver) } : {}) }));
    } else {
      const style = createStyle(ctx.io.color);
      ctx.io.out(res.acquired ? `${style.green("locked")}: ${res.message}` : `${style.red("held")}: ${describeHeldLock(res.lock, ctx.services.clock.now())} (token ${res.lock.token})`);
    }
    return res.acquired ? 0 : 1;
  },
};
export default lock;
