/**
 * `sst-state run <stage> -- <command…>`: take the stage's deploy lock, keep it alive while the
 * command runs, release it when the command ends (also on Ctrl-C / SIGTERM: the signal goes to
 * the command, and the lock is released once it has exited), exit with the command's code, and
 * report what changed in the stage's state between before and after.
 *
 * Supervision: the command runs under a small watchdog (RUN_WATCHDOG below) that is the leader of
 * its own process group, so that `run` (and only `run`) decides when it stops. The watchdog holds
 * a pipe to `run`; when `run` dies — even by SIGKILL, when nothing in `run` can clean up — the pipe
 * closes, and the watchdog stops the whole group (SIGTERM, then SIGKILL after a grace period). The
 * lease is renewed only by `run` itself, so it is never renewed for an orphaned command, and the
 * next holder can never find the previous deploy still running. Signals that reach `run` (Ctrl-C,
 * SIGTERM, SIGHUP) are passed to the group.
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

/**
 * The watchdog, run as `node -e`: spawns the command (argv in SST_STATE_RUN_ARGV) in its own
 * process group, reports `{code, signal}` or `{error}` as one JSON line on fd 3, and stops the
 * group when fd 3 closes before the command has ended (its parent, `run`, died).
 */
export const RUN_WATCHDOG = `
const { spawn } = require("node:child_process");
const net = require("node:net");
const argv = JSON.parse(process.env.SST_STATE_RUN_ARGV);
delete process.env.SST_STATE_RUN_ARGV;
const grace = Number(process.env.SST_STATE_RUN_GRACE_MS || 10000);
delete process.env.SST_STATE_RUN_GRACE_MS;
const life = new net.Socket({ fd: 3, readable: true, writable: true });
life.on("error", () => {});
let ended = false;
const group = (sig) => { try { process.kill(-process.pid, sig); } catch {} };
// run passes its signals to the whole group: the command gets them, the watchdog waits for it
for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(s, () => {});
const child = spawn(argv[0], argv.slice(1), { stdio: "inherit" });
const report = (o) => { try { life.end(JSON.stringify(o) + "\\n"); } catch {} };
child.on("error", (e) => { ended = true; report({ error: e.message }); setTimeout(() => process.exit(127), 50); });
child.on("exit", (code, signal) => { ended = true; report({ code, signal }); setTimeout(() => process.exit(0), 50); });
life.on("close", () => {
  if (ended) return;
  group("SIGTERM");
  setTimeout(() => group("SIGKILL"), grace);
});
life.resume();
`;

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
    // state kept in git: lock on the remote, copy in, run, copy back, commit and push (run-git.ts)
    if (args.flags.git === true) return (await import("../run-git.ts")).runGit(args, ctx);
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

    // Run the command under the watchdog, in its own process group. With --json its stdout goes
    // to stderr, so stdout holds one JSON object.
    const child = spawn(process.execPath, ["-e", RUN_WATCHDOG], {
      detached: process.platform !== "win32",
      stdio: ["inherit", json ? process.stderr : "inherit", "inherit", "pipe"],
      env: { ...process.env, ...ctx.env, SST_STATE_RUN_ARGV: JSON.stringify([cmd, ...cmdArgs]) },
    });
    const signalsSeen: NodeJS.Signals[] = [];
    const forward = (sig: NodeJS.Signals) => {
      signalsSeen.push(sig);
      // the command is in its own group (a terminal's Ctrl-C does not reach it): pass it on
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        if (process.platform === "win32") child.kill(sig);
        else process.kill(-child.pid!, sig);
      } catch {
        /* already gone */
      }
    };
    const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((sig) => [sig, () => forward(sig)] as const);
    for (const [sig, h] of handlers) process.on(sig, h);
    let reported = "";
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on("data", (d: Buffer) => (reported += d.toString()));
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      child.once("error", (error) => resolve({ code: null, signal: null, error }));
      child.once("close", (code, signal) => {
        // the command's own outcome, as the watchdog reported it; the watchdog's, if it could not
        try {
          const r = JSON.parse(reported.trim()) as { code: number | null; signal: NodeJS.Signals | null; error?: string };
          resolve(r.error !== undefined ? { code: null, signal: null, error: new Error(r.error) } : { code: r.code, signal: r.signal });
        } catch {
          resolve({ code, signal });
        }
      });
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
