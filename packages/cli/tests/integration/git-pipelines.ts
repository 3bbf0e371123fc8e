/**
 * Pipelines over one bare repository on disk (the remote), for the `run --git` and git-lock tests:
 * each pipeline is its own clone with its own HOME and config folder (so its SST home is its own),
 * and runs the built CLI as a process, as CI does. The wrapped deploy is fixtures/fake-deploy.mjs.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { cloneOf, createFlatStateRepo, gitIn } from "@sst-state/test-kit/git-repo";
import { binPath, repoRoot, runBin, runInProcess } from "../helpers.ts";

export const fakeDeploy = join(repoRoot, "packages/cli/tests/fixtures/fake-deploy.mjs");
export type StateRepo = Awaited<ReturnType<typeof createFlatStateRepo>>;

/** the flat state repository of test-kit, pushed to its bare remote */
export async function createPushedStateRepo(): Promise<StateRepo> {
  const repo = await createFlatStateRepo();
  await repo.git(["push", "-q", "origin", "main"]);
  return repo;
}

let n = 0;
export async function pipeline(repo: StateRepo, name: string) {
  const dir = join(repo.base, `${name}-${++n}`);
  await mkdir(join(dir, "home", ".config"), { recursive: true });
  const clone = await cloneOf(repo.remote, join(dir, "clone"));
  const env: NodeJS.ProcessEnv = { ...repo.env, HOME: join(dir, "home"), XDG_CONFIG_HOME: join(dir, "home", ".config") };
  const argv = (args: string[], deploy: string[]) => ["run", "prod", "--git", "--state-dir", "infra/state", ...args, "--", process.execPath, fakeDeploy, ...deploy];
  return {
    clone,
    env,
    /** `run --git` to its end */
    run: (args: string[], deploy: string[], extraEnv: NodeJS.ProcessEnv = {}) => runBin(argv(args, deploy), { cwd: clone, env: { ...env, ...extraEnv }, timeoutMs: 300_000 }),
    /**
     * `run --git` in this process (runCli, as the binary runs it, minus starting node and loading
     * the bundle): for tests that repeat it a hundred times. Its git and its deploy are processes.
     */
    runHere: (args: string[], deploy: string[], extraEnv: NodeJS.ProcessEnv = {}) => runInProcess(argv(args, deploy), { cwd: clone, env: { ...env, ...extraEnv } }),
    /** `run --git` started in its own process group (for kill -9) */
    start: (args: string[], deploy: string[]) => spawn(process.execPath, [binPath, ...argv(args, deploy)], { cwd: clone, env, stdio: "ignore", detached: true }),
  };
}

export async function remoteState(repo: StateRepo, ref = "main"): Promise<{ resources: { urn: string }[] }> {
  const text = await gitIn(repo.base).text(["--git-dir", repo.remote, "show", `${ref}:infra/state/app/prod.json`]);
  return JSON.parse(text).checkpoint.latest;
}

/** what the remote holds: `git --git-dir <remote> …` */
export const remoteGit = (repo: StateRepo, args: string[]) => gitIn(repo.base).text(["--git-dir", repo.remote, ...args]);

export const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);

/** wait until `check` holds (polling every 100 ms, up to `ms`) */
export async function until(check: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}
