/**
 * `sst-state run <stage> --git -- npx sst deploy --stage <stage>` (DESIGN §3 "State kept in git"):
 * the copy-in / deploy / copy-out / commit / push pipeline of teams that keep SST's state in their
 * repository, as one command that never races and never loses state.
 *
 *  1. Lock: the git lock (refs/sst-state/locks/<app>/<stage> on the remote, moved by
 *     compare-and-swap; git-lock-store.ts), or the DynamoDB table when SST_STATE_TABLE is set.
 *     `--wait` polls until the stage is free. A stage with a recovery ref is refused (below).
 *  2. Sync: fetch the branch and fast-forward to it, so the deploy starts from the newest state;
 *     refuse a modified state file or a checkout that diverged.
 *  3. Copy in: the stage's files (state, snapshots, update records, the passphrase and secrets if
 *     the repository keeps them — copied, never read) into a fresh temporary SST home, given to
 *     the command as XDG_CONFIG_HOME. Why temporary and not the runner's own home: nothing of an
 *     earlier job (a stale lock, another checkout's state) leaks in, the passphrase SST writes
 *     never outlives the job, and two jobs on one runner cannot share it. Everything else in the
 *     real config folder (SST's downloaded tools under sst/, git's config, …) is linked in, so
 *     nothing is downloaded again. SST finds its home through Go's os.UserConfigDir, which reads
 *     XDG_CONFIG_HOME on Linux only (sst/sst pkg/global/global.go L30-41 at 08fa0a6), so this runs
 *     on Linux (CI runners).
 *  4. Run, with the lease renewed every third of its TTL; at each renewal a changed state is
 *     pushed to `refs/sst-state/recovery/<app>/<stage>/<token>`, so a runner killed mid-deploy
 *     leaves its last state on the remote.
 *  5. Copy back (a passphrase only where the repository already had one), commit, and push the
 *     branch in ONE atomic push with the lease's release (git lock): the server moves the branch
 *     only while the lease is still ours. If the branch moved without touching the stage's files
 *     the commit is rebased and pushed again; otherwise (or if the lease was lost) the commit goes
 *     to the recovery ref, the command says so and exits non-zero. State is never dropped.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { copyFile, cp, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { homedir, tmpdir, constants } from "node:os";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "@sst-state/core/errors";
import { describeHeldLock, keepAlive, type LockStore } from "@sst-state/core/lock";
import { resolveApp } from "@sst-state/core/queries";
import { createGitHomeStore, UncommittedStateError, type GitHomeStore } from "@sst-state/adapters/git-home";
import { gitLockRemote, gitLockStoreOf, type GitLockStore } from "@sst-state/adapters/git-lock-store";
import { GitError } from "@sst-state/adapters/git";
import type { Command } from "@sst-state/core/command";
import type { CliArgs, CliContext } from "./cli-types.ts";
import { lockStore } from "./locks.ts";
import { createStyle } from "./output.ts";
import { holderOf, lockJson } from "./commands/lock.ts";
import { parseDuration } from "@sst-state/core/config";

/** A stage's file or folder, in the repository and in SST's home (`state/<kind>/<app>/<stage>…`). */
interface StagePath {
  kind: string;
  repo: string;
  home: string;
  dir: boolean;
}

const FILE_KINDS = ["app", "passphrase", "secret"] as const;
const DIR_KINDS = ["snapshot", "update", "history", "eventlog"] as const;

function stagePaths(store: GitHomeStore, app: string, stage: string): StagePath[] {
  const out: StagePath[] = [];
  for (const kind of FILE_KINDS) {
    const repo = store.repoPath(kind, app, stage);
    if (repo) out.push({ kind, repo, home: `${kind}/${app}/${stage}.json`, dir: false });
  }
  if (store.layout() === "sst") {
    for (const kind of DIR_KINDS) out.push({ kind, repo: store.repoPath(kind, app, stage)!.replace(/\/$/, ""), home: `${kind}/${app}/${stage}`, dir: true });
  }
  return out;
}

/**
 * A fresh XDG_CONFIG_HOME for the command: every entry of the real one linked, except `sst/`,
 * which is a real folder whose entries are linked except `state/` (the command's own).
 */
function childConfigHome(env: NodeJS.ProcessEnv, into: string): string {
  const real = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  const link = (from: string, to: string, skip: string) => {
    if (!existsSync(from)) return;
    for (const name of readdirSync(from)) if (name !== skip) symlinkSync(join(from, name), join(to, name));
  };
  link(real, into, "sst");
  mkdirSync(join(into, "sst", "state"), { recursive: true });
  link(join(real, "sst"), join(into, "sst"), "state");
  return join(into, "sst", "state");
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** copy a file or folder (bytes only: a passphrase or secret is copied, never read) */
async function copyPath(from: string, to: string, dir: boolean): Promise<void> {
  mkdirSync(dirname(to), { recursive: true });
  if (dir) await cp(from, to, { recursive: true, force: true });
  else await copyFile(from, to);
}

/**
 * How long a waiting run sleeps before its `attempt`-th new try for the lock: 150 ms, growing by
 * half each time up to 5 s, with ±25 % jitter so waiting pipelines do not poll in step. A short
 * deploy ends before the waiter's delay has grown, so the stage changes hands within a fraction
 * of a second; behind a long deploy each poll (one `git fetch` of one ref) comes every 5 s.
 */
export function pollDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.min(5_000, 150 * 1.5 ** attempt) * (0.75 + random() / 2);
}

/** `run` with `--git` (the flags are in the verb table, core/command/verbs.ts). */
export async function runGit(args: CliArgs<Extract<Command, { verb: "run" }>>, ctx: CliContext): Promise<number> {
  const style = createStyle(ctx.io.color);
  const json = args.flags.json === true;
  const note = (t: string) => ctx.io.err(t);
  if (!args.rest.length) throw new UsageError("Which command? Put it after `--`.", "e.g. `sst-state run prod --git --state-dir infra/state -- npx sst deploy --stage prod`.");
  if (process.platform !== "linux") {
    throw new UsageError(
      "`run --git` gives the command its own SST home through XDG_CONFIG_HOME, which SST reads on Linux only.",
      "Run it on a Linux machine (CI runners are), or copy the state by hand on this one.",
    );
  }
  const dirFlag = (args.flags["state-dir"] as string | undefined) ?? (ctx.env.SST_STATE_DIR || undefined);
  if (!dirFlag) throw new UsageError("`run --git` needs the folder in your repository that holds the state.", "Add --state-dir, e.g. `--state-dir infra/state`.");
  const ttlMs = args.command.ttlMs;
  const waitMs = typeof args.flags.wait === "string" ? parseDuration(args.flags.wait) : 0;
  const remote = gitLockRemote(ctx.env, args.flags.remote);
  const target = args.command.target;
  const config = ctx.services.config();
  const named = target.app ?? (ctx.env.SST_STATE_APP || undefined);
  const store = await createGitHomeStore({ dir: resolve(ctx.cwd, dirFlag), env: ctx.env, ...(named ?? config.app ? { app: (named ?? config.app)! } : {}) });
  const app = await resolveApp(store, named, config);
  const stage = target.stage;
  const git = store.git;
  const file = store.repoPath("app", app, stage)!;
  // one `git status`: the checked-out branch (`# branch.head`) and whether the state folder has
  // changes; a modified state file is not ours to settle (checked before the lock: nobody waits)
  const status = (await git.text(["status", "--porcelain=v2", "--branch", "--", dirname(file)])).split("\n");
  if (status.some((l) => l && !l.startsWith("#"))) throw new UncommittedStateError(dirname(file));
  const head = status.find((l) => l.startsWith("# branch.head "))?.slice("# branch.head ".length);
  const branch = typeof args.flags.branch === "string" ? args.flags.branch : head && head !== "(detached)" ? head : undefined;
  if (!branch) throw new UsageError("The checkout is on no branch (a detached HEAD, as CI often checks out).", "Name the branch to push the state to: --branch main.");
  const who = holderOf(ctx, args.flags.holder);
  const reason = args.command.reason || `run: ${args.rest.join(" ")}`.slice(0, 200);
  const clock = ctx.services.clock;

  // 1. the lock: git refs, or the DynamoDB table when one is configured (the rule in locks.ts)
  const gitLocks: GitLockStore | undefined = gitLockStoreOf(ctx.env, store, remote);
  const locks: LockStore = gitLocks ?? (await lockStore(ctx.services));
  const locker = await ctx.services.locker({ store: locks });
  const deadline = clock.now() + waitMs;
  let got = await locker.acquire({ app, stage, holder: who.holder, reason, ...(who.runUrl ? { runUrl: who.runUrl } : {}), ...(ttlMs ? { ttlMs } : {}) });
  let told = false;
  for (let attempt = 0; !got.acquired && clock.now() < deadline; attempt++) {
    if (!told) note(`${style.yellow("waiting")}: ${describeHeldLock(got.lock, clock.now())}`);
    told = true;
    await new Promise((r) => setTimeout(r, Math.min(pollDelayMs(attempt), Math.max(50, deadline - clock.now()))));
    got = await locker.acquire({ app, stage, holder: who.holder, reason, ...(who.runUrl ? { runUrl: who.runUrl } : {}), ...(ttlMs ? { ttlMs } : {}) });
  }
  if (!got.acquired) {
    const why = `${describeHeldLock(got.lock, clock.now())} (token ${got.lock.token}); not running \`${args.rest.join(" ")}\`.`;
    if (json) ctx.io.out(JSON.stringify({ acquired: false, lock: lockJson(got.lock), message: why }));
    else note(`${style.red("held")}: ${why}`);
    return 1;
  }
  note(`${style.green("locked")}: ${got.message}`);
  const token = got.lock.token;
  const recoveryPrefix = `refs/sst-state/recovery/${app}/${stage}/`;
  const recoveryRef = `${recoveryPrefix}${token}`;
  const releaseNow = (outcome: string) => locker.release(got.lock, { outcome }).catch(() => undefined);
  // where one fetch puts the branch and the stage's recovery refs (local refs, never pushed)
  const seenBranch = `refs/sst-state/seen/heads/${branch}`;
  const seenRecovery = `refs/sst-state/seen/recovery/${app}/${stage}/`;

  let home: string | undefined;
  /** set once the command ran: from then on a failure must still save the state it left */
  let saveState: (() => Promise<string>) | undefined;
  try {
    // 2. sync: one fetch brings the branch and the stage's recovery refs (--prune: deleted ones go)
    await git(["fetch", "-q", "--no-tags", "--no-write-fetch-head", "--prune", remote, `+refs/heads/${branch}:${seenBranch}`, `+${recoveryPrefix}*:${seenRecovery}*`]);
    // refuse while an earlier run's state waits in a recovery ref: deploying from the branch would
    // start from a state older than what that run deployed
    // the fast-forward (below) runs meanwhile: harmless when the run is then refused
    const merged = git(["merge", "-q", "--ff-only", seenBranch]).then(
      () => undefined,
      (e: unknown) => e,
    );
    const pending = (await git.text(["for-each-ref", "--format=%(refname)", seenRecovery]))
      .split("\n")
      .filter(Boolean)
      .map((r) => recoveryPrefix + r.slice(seenRecovery.length));
    const mergeError = await merged;
    if (pending.length) {
      await releaseNow("refused: recovery ref pending");
      const msg = `${app}/${stage} has state from an earlier run that never reached the branch: ${pending.join(", ")}.`;
      const hint = `Look at it (\`git fetch ${remote} ${pending[0]} && git show --stat FETCH_HEAD\`), adopt it (\`git cherry-pick FETCH_HEAD\` and push) or decide to drop it, then delete the ref: \`git push ${remote} :${pending[0]}\`.`;
      if (json) ctx.io.out(JSON.stringify({ acquired: true, ran: false, recovery: pending, message: msg, hint }));
      note(`${style.red("refused")}: ${msg}\n${style.dim("hint")}: ${hint}`);
      return 1;
    }
    // fast-forward to the branch (a checkout already ahead of it stays); diverged: not ours to settle
    if (mergeError) {
      if (!(mergeError instanceof GitError)) throw mergeError;
      throw new UsageError(
        `This checkout cannot fast-forward to ${remote}/${branch} (${mergeError.stderr.trim().split("\n").pop()}); the deploy must start from the newest state.`,
        `Rebase on ${remote}/${branch} (\`git pull --rebase\`) and run again.`,
      );
    }

    // 3. copy in
    home = await mkdtemp(join(tmpdir(), "sst-state-run-"));
    const stateHome = childConfigHome(ctx.env, home);
    const paths = stagePaths(store, app, stage);
    const had = new Set<string>();
    for (const p of paths) {
      const from = join(store.top, p.repo);
      if (!(await exists(from))) continue;
      had.add(p.repo);
      await copyPath(from, join(stateHome, p.home), p.dir);
    }

    // 4. run, renewing the lease and pushing changed state to the recovery ref
    const leaseMs = Date.parse(got.lock.expiresAt) - Date.parse(got.lock.acquiredAt);
    let lostReason: string | undefined;
    const alive = keepAlive(locker, got.lock, {
      intervalMs: Math.max(500, Math.floor(leaseMs / 3)),
      clock,
      onLost: (e) => {
        lostReason = e.reason;
        note(`${style.red("warning")}: the deploy lock was lost while the command runs: ${e.reason}`);
      },
      onError: (e) => note(`${style.yellow("warning")}: could not renew the deploy lock (will retry): ${(e as Error)?.message ?? e}`),
    });
    const appFileInHome = join(stateHome, "app", app, `${stage}.json`);
    let checkpointed: string | undefined;
    let checkpointSha: string | undefined;
    let checkpointing: Promise<void> = Promise.resolve();
    const checkpoint = async () => {
      const bytes = await readFile(appFileInHome).catch(() => null);
      if (!bytes) return;
      const key = await git.text(["hash-object", "--stdin"], { input: bytes });
      if (key === checkpointed) return;
      const sha = await snapshotCommit(`sst-state: checkpoint of ${stage} during \`${args.rest.join(" ")}\` (lock token ${token})`);
      await git(["push", "-q", "--force", remote, `${sha}:${recoveryRef}`]);
      checkpointed = key;
      checkpointSha = sha;
    };
    /** a commit of HEAD with the home's current stage files, built in a private index (the work tree is untouched) */
    const snapshotCommit = async (message: string): Promise<string> => {
      const index = join(home!, "index");
      const env = { GIT_INDEX_FILE: index };
      await git(["read-tree", "HEAD"], { env });
      for (const p of paths) {
        if (p.kind === "passphrase" && !had.has(p.repo)) continue;
        await git(["rm", "-q", "-r", "--cached", "--ignore-unmatch", "--", p.repo], { env });
        const src = join(stateHome, p.home);
        if (!(await exists(src))) continue;
        const files = p.dir ? readdirSync(src, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name)) : [src];
        for (const f of files) {
          const blob = await git.text(["hash-object", "-w", "--", f]);
          const rel = p.dir ? `${p.repo}/${f.slice(src.length + 1).split("\\").join("/")}` : p.repo;
          await git(["update-index", "--add", "--cacheinfo", `100644,${blob},${rel}`], { env });
        }
      }
      const tree = await git.text(["write-tree"], { env });
      return git.text(["commit-tree", tree, "-p", "HEAD", "-m", message]);
    };
    const timer = setInterval(() => {
      checkpointing = checkpointing.then(checkpoint).catch((e) => note(`${style.yellow("warning")}: could not push a checkpoint of the state: ${(e as Error).message}`));
    }, Math.max(500, Math.floor(leaseMs / 3)));
    timer.unref();

    saveState = async () => {
      const sha = await snapshotCommit(`sst-state: state of ${stage} after \`${args.rest.join(" ")}\` (lock token ${token}), saved after an error`);
      await git(["push", "-q", "--force", remote, `${sha}:${recoveryRef}`]);
      return recoveryRef;
    };
    const [cmd, ...cmdArgs] = args.rest as [string, ...string[]];
    const child = spawn(cmd, cmdArgs, {
      stdio: ["inherit", json ? process.stderr : "inherit", "inherit"],
      env: { ...process.env, ...ctx.env, XDG_CONFIG_HOME: home },
    });
    const forward = (sig: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((sig) => [sig, () => forward(sig)] as const);
    for (const [sig, h] of handlers) process.on(sig, h);
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((res) => {
      child.once("error", (error) => res({ code: null, signal: null, error }));
      child.once("exit", (code, signal) => res({ code, signal }));
    });
    for (const [sig, h] of handlers) process.off(sig, h);
    clearInterval(timer);
    await checkpointing;
    await alive.stop();
    const exitCode = ended.error ? 127 : ended.code ?? 128 + (ended.signal ? (constants.signals[ended.signal] ?? 0) : 0);
    const outcome = ended.error ? `failed to start (${ended.error.message})` : ended.signal ? `killed by ${ended.signal}` : ended.code === 0 ? "success" : `failed (exit ${ended.code})`;

    // 5. copy back: what the command left (never a passphrase the repository did not keep)
    for (const p of paths) {
      const from = join(stateHome, p.home);
      const to = join(store.top, p.repo);
      if (p.kind === "passphrase" && !had.has(p.repo)) continue;
      if (await exists(from)) {
        if (p.dir) await rm(to, { recursive: true, force: true });
        await copyPath(from, to, p.dir);
      } else if (had.has(p.repo)) {
        await rm(to, { recursive: true, force: true });
      }
    }
    // what git should record: every stage path that exists now or existed before (a deletion)
    const repoPaths: string[] = [];
    for (const p of paths) if ((p.kind !== "passphrase" || had.has(p.repo)) && (had.has(p.repo) || (await exists(join(store.top, p.repo))))) repoPaths.push(p.repo);
    // add + commit only these paths; a commit that fails is "nothing to commit" only when the
    // index holds no change of them (two processes in the common case, three when unchanged)
    await git(["add", "-A", "--", ...repoPaths]);
    const committed = await git(["commit", "-q", "--no-verify", "-m", `sst-state: ${stage} after \`${args.rest.join(" ")}\`: ${outcome} (lock token ${token})`, "--", ...repoPaths]).then(
      () => true,
      async (e: unknown) => {
        if (e instanceof GitError && (await git(["diff", "--cached", "--quiet", "--", ...repoPaths]).then(() => true, () => false))) return false;
        throw e;
      },
    );

    // push: the branch with the lease's release in one atomic push (git lock), or plainly (table)
    const dropCheckpoint = checkpointSha ? [`:${recoveryRef}`] : [];
    let pushed = !committed;
    let why = "";
    for (let attempt = 0; attempt < 3 && !pushed && !lostReason; attempt++) {
      const refspecs = [`HEAD:refs/heads/${branch}`, ...dropCheckpoint];
      if (gitLocks) {
        const res = await gitLocks.pushAtomically(app, stage, token, (r) => ({ ...r, released: true, releasedAt: new Date(clock.now()).toISOString(), outcome }), refspecs);
        if (res.ok) pushed = true;
        else if (res.why === "lost") lostReason = `the lock is no longer ours: ${res.detail.split("\n")[0]}`;
        else why = res.detail;
      } else {
        const still = await locker.heartbeat(alive.current());
        if (!still.ok) lostReason = still.reason;
        else {
          try {
            await git(["push", "-q", "--atomic", remote, ...refspecs]);
            pushed = true;
          } catch (e) {
            if (!(e instanceof GitError)) throw e;
            why = e.stderr.trim();
          }
        }
      }
      if (pushed || lostReason) break;
      // the branch moved: rebase our one commit when nobody else touched this stage's files
      await git(["fetch", "-q", "--no-tags", "--no-write-fetch-head", remote, `+refs/heads/${branch}:${seenBranch}`]);
      const theirs = await git.text(["rev-parse", seenBranch]);
      const theirsChanged = await git.text(["log", "--format=%h", `HEAD~1..${theirs}`, "--", ...repoPaths]);
      if (theirsChanged) {
        why = `${remote}/${branch} has new commits that change ${stage}'s state (${theirsChanged.split("\n").join(", ")})`;
        break;
      }
      try {
        await git(["rebase", "-q", theirs]);
      } catch (e) {
        await git(["rebase", "--abort"]).catch(() => {});
        why = `rebasing on ${remote}/${branch} failed: ${(e as Error).message}`;
        break;
      }
    }

    let recovery: string | undefined;
    // the commit as it reached the branch (after a rebase) or the recovery ref
    const commit = committed ? await git.text(["rev-parse", "HEAD"]) : undefined;
    if (!commit && checkpointSha) await git(["push", "-q", remote, `:${recoveryRef}`]).catch(() => {});
    if (commit && !pushed) {
      // never lose the new state: it goes to the recovery ref (ours: keyed by our token)
      await git(["push", "-q", "--force", remote, `${commit}:${recoveryRef}`]);
      recovery = recoveryRef;
    }
    const released = pushed && gitLocks && commit ? true : (await releaseNow(outcome))?.released ?? false;
    const code = recovery ? (exitCode || 1) : lostReason && !commit ? exitCode || 1 : exitCode;
    const summary = recovery
      ? `the new state of ${stage} was NOT pushed to ${branch} (${lostReason ?? why}). It is saved at ${recoveryRef} on ${remote} (commit ${commit!.slice(0, 12)}).`
      : commit
        ? `the new state of ${stage} is commit ${commit.slice(0, 12)} on ${remote}/${branch}.`
        : `the state of ${stage} did not change; nothing to commit.`;
    const hint = recovery
      ? `Adopt it: \`git fetch ${remote} ${recoveryRef} && git cherry-pick FETCH_HEAD && git push\`, then \`git push ${remote} :${recoveryRef}\`. Until then \`run --git\` refuses to deploy ${stage}.`
      : undefined;
    if (json) {
      ctx.io.out(
        JSON.stringify({ acquired: true, lock: lockJson(alive.current()), command: args.rest, exitCode, outcome, commit: commit ?? null, pushed: pushed && !!commit, recovery: recovery ?? null, released, ...(lostReason ? { lost: lostReason } : {}), message: summary }),
      );
    } else {
      if (ended.error) note(`${style.red("error")}: could not start \`${cmd}\`: ${ended.error.message}`);
      ctx.io.out(`${stage}: ${outcome}; ${summary}`);
    }
    if (recovery) note(`${style.red("not pushed")}: ${summary}\n${style.dim("hint")}: ${hint}`);
    return code;
  } catch (e) {
    if (saveState) {
      const saved = await saveState().catch(() => undefined);
      note(
        saved
          ? `${style.red("not pushed")}: the state the command left is saved at ${saved} on ${remote}.`
          : `${style.red("not pushed")}: the state the command left could not be saved to ${recoveryRef}; it is in ${store.top} (not committed).`,
      );
    }
    await releaseNow(saveState ? "failed after the command ran" : "failed before the command ran");
    throw e;
  } finally {
    if (home) await rm(home, { recursive: true, force: true }).catch(() => {});
  }
}
