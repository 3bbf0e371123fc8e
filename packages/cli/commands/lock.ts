/** `sst-state lock <stage> --reason R [--ttl 30m]`: take our deploy lock (a lease; DESIGN §3, §4). */
import { hostname, userInfo } from "node:os";
import { parseDuration } from "@sst-state/core/config";
import { UsageError } from "@sst-state/core/errors";
import { createLocker, defaultHolder, describeHeldLock, type HolderIdentity, type Lease, type Locker } from "@sst-state/core/lock";
import type { CliCommand, CliContext } from "../cli-types.ts";
import { lockStore } from "../locks.ts";
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

export async function cliLocker(ctx: CliContext, stage?: string): Promise<Locker> {
  const defaultTtlMs = stage ? ctx.services.config().policy(stage).lockTtlMs : undefined;
  return createLocker({ store: await lockStore(ctx.services), clock: ctx.services.clock, ...(defaultTtlMs ? { defaultTtlMs } : {}) });
}

export function ttlFlag(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string") throw new UsageError("--ttl needs a duration, e.g. --ttl 30m.");
  const ms = parseDuration(raw);
  if (ms <= 0) throw new UsageError(`--ttl must be longer than zero, not "${raw}".`);
  return ms;
}

export const LOCK_FLAGS = {
  reason: { type: "string", value: "R", description: "why (shown to whoever finds the stage locked)" },
  ttl: { type: "string", value: "30m", description: "how long the lock holds without a heartbeat (default: the stage's lockTtl, else 30m)" },
  holder: { type: "string", value: "WHO", description: "who holds it (default: the CI identity, else user@host)" },
} as const;

const lock: CliCommand = {
  name: "lock",
  usage: "lock <stage> --reason R [--ttl 30m]",
  summary: "take the stage's deploy lock (exit 1, naming the holder, when someone else has it)",
  help:
    "Examples:\n  sst-state lock prod --reason \"db migration\" --ttl 2h\n  sst-state lock shop/prod --reason hotfix --json\n\n" +
    "The lock is a lease: it expires after --ttl unless renewed (`sst-state run` renews it while the command runs).\n" +
    "Exit 1 when the stage is locked by someone else; the message says who, since when, why, and when it expires.",
  readsState: true,
  flags: { ...LOCK_FLAGS },
  async run(args, ctx) {
    const reason = args.flags.reason;
    if (typeof reason !== "string" || !reason.trim()) throw new UsageError("Say why you are locking the stage: --reason \"…\".", 'e.g. `sst-state lock prod --reason "db migration"`.');
    const ttlMs = ttlFlag(args.flags.ttl);
    const { app, stage } = await ctx.services.target(args.positionals[0]);
    const who = holderOf(ctx, args.flags.holder);
    const locker = await cliLocker(ctx, stage);
    const res = await locker.acquire({ app, stage, holder: who.holder, reason: reason.trim(), ...(who.runUrl ? { runUrl: who.runUrl } : {}), ...(ttlMs ? { ttlMs } : {}) });
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
