/**
 * The `git` binary, run with execFile (no shell: paths and messages are arguments, never parsed
 * by a shell). Used by the git home (git-home.ts), the lock on a remote ref (git-lock-store.ts)
 * and `run --git`. Git itself does every read and write of the repository; nothing here
 * re-implements its formats.
 *
 * Failures become a GitError carrying git's stderr; a missing binary or a folder outside any work
 * tree become StoreUnavailableError with what to do.
 */
import { execFile } from "node:child_process";
import { StoreUnavailableError } from "@sst-state/core/errors";

export interface GitResult {
  stdout: Buffer;
  stderr: string;
}

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | null,
    readonly stderr: string,
    /** what git printed on stdout before failing (`push --porcelain` reports refs there) */
    readonly stdout = "",
  ) {
    super(`git ${args.join(" ")} failed${code !== null ? ` (exit ${code})` : ""}: ${stderr.trim().split("\n").slice(-3).join(" ") || "no output"}`);
    this.name = "GitError";
  }
}

export interface GitOptions {
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
}

export type Git = {
  (args: string[], opts?: GitOptions): Promise<GitResult>;
  /** stdout as trimmed text */
  text(args: string[], opts?: GitOptions): Promise<string>;
  readonly cwd: string;
};

/**
 * Git's environment without the variables that would point it at another repository or index
 * (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE set by a hook or a parent git), plus a fixed locale so
 * messages can be recognised. Commits made here need an identity: the caller's, else sst-state's.
 */
function gitEnv(base: Record<string, string | undefined>, extra?: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !/^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|NAMESPACE)$/.test(k)) env[k] = v;
  env.LC_ALL = "C";
  env.GIT_TERMINAL_PROMPT = "0";
  env.GIT_AUTHOR_NAME ??= "sst-state";
  env.GIT_AUTHOR_EMAIL ??= "sst-state@localhost";
  env.GIT_COMMITTER_NAME ??= env.GIT_AUTHOR_NAME;
  env.GIT_COMMITTER_EMAIL ??= env.GIT_AUTHOR_EMAIL;
  return { ...env, ...extra };
}

export function createGit(cwd: string, baseEnv: Record<string, string | undefined> = process.env): Git {
  const run = (args: string[], opts: GitOptions = {}): Promise<GitResult> =>
    new Promise((resolve, reject) => {
      const child = execFile(
        "git",
        // never ask for an editor, never page, never colour; no automatic maintenance: fetch and
        // commit would each start `git maintenance run --auto` (one more process per call, and a
        // waiting `run --git` fetches the lock ref several times a second); the repository's own
        // git commands still run it
        ["-c", "core.quotepath=off", "-c", "color.ui=never", "-c", "maintenance.auto=false", ...args],
        { cwd, env: gitEnv(baseEnv, opts.env), encoding: "buffer", maxBuffer: 512 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const errText = stderr.toString("utf8");
          if (!err) return resolve({ stdout, stderr: errText });
          if ((err as NodeJS.ErrnoException).code === "ENOENT") {
            return reject(new StoreUnavailableError("The `git` program was not found.", "Install git (it must be on PATH) to use the git home and `run --git`.", err));
          }
          reject(new GitError(args, typeof err.code === "number" ? err.code : null, errText, stdout.toString("utf8")));
        },
      );
      if (opts.input !== undefined) child.stdin?.end(opts.input);
    });
  const git = Object.assign(run, {
    text: async (args: string[], opts?: GitOptions) => (await run(args, opts)).stdout.toString("utf8").trim(),
    cwd,
  });
  return git;
}

/** The top of the work tree that holds `dir`; StoreUnavailableError when it is in none. */
export async function workTreeTop(dir: string, env?: Record<string, string | undefined>): Promise<string> {
  try {
    return await createGit(dir, env).text(["rev-parse", "--show-toplevel"]);
  } catch (e) {
    if (e instanceof GitError) {
      throw new StoreUnavailableError(
        `${dir} is not inside a git work tree (${e.stderr.trim().split("\n")[0] ?? "git rev-parse failed"}).`,
        "Point --state-dir / SST_STATE_DIR at the folder in your repository that holds the state (e.g. infra/state), or use --home local.",
        e,
      );
    }
    throw e;
  }
}
