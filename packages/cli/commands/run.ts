/**
 * `sst-state run <stage> -- <command…>`: take the stage's deploy lock, keep it alive while the
 * command runs, release it when the command ends (also on Ctrl-C / SIGTERM: the signal goes to
 * the command, and the lock is released once it has exited), exit with the command's code, and
 * report what changed in the stage's state between before and after.
 *
 * If the lease is lost while the command runs (someone broke it with `unlock --force`, or the
 * store was unreachable until it expired), a warning is printed and the command is left to finish:
 * killing a deploy half-way leaves pending operations behind, which is worse.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { describeHeldLock, keepAlive } from "@sst-state/core/lock";
import { diffCheckpoints, parseCheckpoint } from "@sst-state/core/state";
import type { CliCommand, CliContext } from "../cli-types.ts";
import { createStyle } from "../output.ts";
import { cliLocker, holderOf, lockJson, requireDeployedStage } from "./lock.ts";

type Snapshot = { token: string; checkpoint: ReturnType<typeof parseCheckpoint> } | null;

async function snapshot(ctx: CliContext, app: string, stage: string): Promise<Snapshot> {
  try {
    const store = await ctx.services.stateStore();
    const cur = await store.readCurrent(app, stage);
    return { token: cur.token, checkpoint: parseCheckpoint(cur.bytes) };
  } catch {
    return null; // no state yet (first deploy) or unreadable: the report says so
  }
}

const run: CliCommand<"run"> = {
  verb: "run",
  async run(args, ctx) {
    const [cmd, ...cmdArgs] = args.rest as [string, ...string[]];
    const { ttlMs } = args.command;
    const { app, stage } = await ctx.services.target(args.command.target);
    await requireDeployedStage(ctx, app, stage, args.flags["new-stage"]);
    const who = holderOf(ctx, args.flags.holder);
    const reason = args.command.reason || `run: ${args.rest.join(" ")}`.slice(0, 200);
    const locker = await cliLocker(ctx);
    const style = createStyle(ctx.io.color);
    const json = args.flags.json === true;
    const note = (t: string) => ctx.io.err(t);

    const before = await snapshot(ctx, app, stage);
    const got = await locker.acquire({ app, stage, holder: who.holder, reason, ...(who.runUrl ? { runUrl: who.runUrl } : {}), ...(ttlMs ? { ttlMs } : {}) });
    if (!got.acquired) {
      const why = `${describeHeldLock(got.lock, ctx.services.clock.now())} (token ${got.lock.token}); not running \`${args.rest.join(" ")}\`.`;
      if (json) ctx.io.out(JSON.stringify({ acquired: false, lock: lockJson(got.lock), message: why }));
      else ctx.io.err(`${style.red("held")}: ${why}`);
      return 1;
    }
    note(`${style.green("locked")}: ${got.message}`);
    const leaseMs = Date.parse(got.lock.expiresAt) - Date.parse(got.lock.acquiredAt);
    let lostReason: string | undefined;
    const alive = keepAlive(locker, got.lock, {
      intervalMs: Math.max(1_000, Math.floor(leaseMs / 3)),
      clock: ctx.services.clock,
      onLost: (e) => {
        lostReason = e.reason;
        note(`${style.red("warning")}: the deploy lock was lost while the command runs: ${e.reason}`);
      },
      onError: (e) => note(`${style.yellow("warning")}: could not renew the deploy lock (will retry): ${(e as Error)?.message ?? e}`),
    });

    // Run the command. With --json its stdout goes to stderr, so stdout holds one JSON object.
    const child = spawn(cmd, cmdArgs, { stdio: ["inherit", json ? process.stderr : "inherit", "inherit"], env: { ...process.env, ...ctx.env } });
    const signalsSeen: NodeJS.Signals[] = [];
    const forward = (sig: NodeJS.Signals) => {
      signalsSeen.push(sig);
      // A terminal's Ctrl-C already reached the command (same process group); send it ourselves otherwise.
      if (sig === "SIGINT" && process.stdin.isTTY) return;
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((sig) => [sig, () => forward(sig)] as const);
    for (const [sig, h] of handlers) process.on(sig, h);
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      child.once("error", (error) => resolve({ code: null, signal: null, error }));
      child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    for (const [sig, h] of handlers) process.off(sig, h);
    await alive.stop();

    const exitCode = ended.error ? 127 : ended.code ?? 128 + (ended.signal ? (constants.signals[ended.signal] ?? 0) : 0);
    const outcome = ended.error
      ? `failed to start (${ended.error.message})`
      : ended.signal
        ? `killed by ${ended.signal}`
        : ended.code === 0
          ? "success"
          : `failed (exit ${ended.code})`;

    const after = await snapshot(ctx, app, stage);
    const diff = after && (!before || before.token !== after.token) ? diffCheckpoints(before?.checkpoint ?? { ...after.checkpoint, resources: [] }, after.checkpoint, { from: "before", to: "after" }) : null;
    const diffSummary = !after
      ? "no state after the run"
      : diff
        ? `state: +${diff.added.length} added, −${diff.removed.length} removed, ~${diff.changed.length} changed, ${diff.unchanged} unchanged`
        : "state unchanged";
    const rel = await locker.release(alive.current(), { outcome, diffSummary });
    const released = rel.released;
    if (!released && !lostReason) lostReason = rel.reason;

    if (json) {
      ctx.io.out(
        JSON.stringify({
          acquired: true,
          lock: lockJson(alive.current()),
          command: args.rest,
          exitCode,
          signal: ended.signal,
          outcome,
          released,
          ...(lostReason ? { lost: lostReason } : {}),
          ...(signalsSeen.length ? { signals: signalsSeen } : {}),
          diff: diff ? { from: diff.from, to: diff.to, added: diff.added, removed: diff.removed, changed: diff.changed, unchanged: diff.unchanged } : null,
          diffSummary,
        }),
      );
    } else {
      if (ended.error) note(`${style.red("error")}: could not start \`${cmd}\`: ${ended.error.message}`);
      note(`${released ? style.green("unlocked") : style.red("not released")}: ${released ? rel.message : rel.reason}`);
      const lines = [`${stage}: ${outcome}; ${diffSummary}`];
      if (diff) for (const u of [...diff.added.map((x) => `  + ${x}`), ...diff.removed.map((x) => `  - ${x}`), ...diff.changed.map((c) => `  ~ ${c.urn} (${c.paths.slice(0, 3).join(", ")}${c.paths.length > 3 ? ", …" : ""})`)].slice(0, 30)) lines.push(u);
      ctx.io.out(lines.join("\n"));
    }
    return exitCode;
  },
};
export default run;
