/**
 * Real git repositories for tests: a bare repository on disk as the remote, clones as the
 * pipelines' checkouts, and a generated SST home committed as a pipeline would have committed it
 * (one commit per deploy: the state file, its snapshot and update record; then the rest).
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { generateHome, type HomeFile } from "@sst-state/core/state/generate-home";
import { updateIdTime } from "@sst-state/core/state/update-id";
import { legacyHistoryOfKey, updateIdOfKey } from "@sst-state/core/state/versions";
import { createGit, type Git } from "@sst-state/adapters/git";

export const testGitEnv = {
  GIT_AUTHOR_NAME: "Pipeline",
  GIT_AUTHOR_EMAIL: "ci@example.com",
  GIT_COMMITTER_NAME: "Pipeline",
  GIT_COMMITTER_EMAIL: "ci@example.com",
  // no user or system config: the tests see git's defaults
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

export function gitIn(dir: string, extra: Record<string, string> = {}): Git {
  return createGit(dir, { PATH: process.env.PATH, HOME: dir, ...testGitEnv, ...extra });
}

/** A bare repository (the remote) and a first clone with one commit on `main`. */
export async function createRemoteAndClone(prefix = "sst-state-git-"): Promise<{ base: string; remote: string; clone: string }> {
  const base = await mkdtemp(join(tmpdir(), prefix));
  const remote = join(base, "remote.git");
  const clone = join(base, "work");
  await gitIn(base)(["init", "-q", "--bare", "-b", "main", remote]);
  // a hosted remote does not collect garbage inside each push; a bare repository on disk would
  // (receive-pack starts `git gc --auto` after every push): one process less per push
  await gitIn(base)(["--git-dir", remote, "config", "receive.autogc", "false"]);
  await gitIn(base)(["clone", "-q", remote, clone]);
  const g = gitIn(clone);
  await g(["checkout", "-q", "-b", "main"]);
  await writeFile(join(clone, "README.md"), "infra\n");
  await g(["add", "README.md"]);
  await g(["commit", "-q", "-m", "init"]);
  await g(["push", "-q", "origin", "main"]);
  return { base, remote, clone };
}

export async function cloneOf(remote: string, into: string): Promise<string> {
  await gitIn(dirname(into))(["clone", "-q", "-b", "main", remote, into]);
  return into;
}

async function put(root: string, f: HomeFile): Promise<void> {
  const path = join(root, ...f.key.split("/"));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, f.body);
}

/**
 * Commit SST home files under `<stateRoot>` (keys as in the home: `app/<app>/<stage>.json`, …).
 * When the files hold snapshots, the deploys are replayed oldest first, one commit each dated at
 * the deploy (state file = that snapshot, plus the snapshot and its update record); the remaining
 * files (current state, locks, unfinished updates, secrets) go in one last commit.
 */
export async function commitHomeFiles(git: Git, stateRoot: string, files: readonly HomeFile[], message = "pipeline: copy state back"): Promise<void> {
  const rest = new Map(files.map((f) => [f.key, f]));
  const deploys = files
    .map((f) => {
      const m = /^(snapshot|history)\/([^/]+)\/([^/]+)\//.exec(f.key);
      const snap = m?.[1] === "snapshot" ? updateIdOfKey(f.key) : undefined;
      const legacy = m?.[1] === "history" ? legacyHistoryOfKey(f.key) : undefined;
      const id = snap ?? legacy?.id;
      const ms = snap ? updateIdTime(snap) : legacy?.ms;
      return m && id && ms !== undefined ? { f, app: m[2]!, stage: m[3]!, id, ms } : undefined;
    })
    .filter((x): x is NonNullable<typeof x> => !!x)
    .sort((a, b) => a.ms - b.ms || b.id.localeCompare(a.id));
  for (const d of deploys) {
    const update = rest.get(`update/${d.app}/${d.stage}/${d.id}.json`);
    await put(stateRoot, { key: `app/${d.app}/${d.stage}.json`, body: d.f.body });
    await put(stateRoot, d.f);
    if (update) await put(stateRoot, update);
    rest.delete(d.f.key);
    if (update) rest.delete(update.key);
    const date = new Date(d.ms).toISOString();
    await git(["add", "-A", "--", stateRoot]);
    await git(["commit", "-q", "-m", `deploy ${d.app}/${d.stage} (${d.id})`], { env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
  }
  for (const f of rest.values()) await put(stateRoot, f);
  await git(["add", "-A", "--", stateRoot]);
  const status = await git.text(["status", "--porcelain", "--", stateRoot]);
  if (status) await git(["commit", "-q", "-m", message]);
}

/**
 * A flat pipeline layout in a clone of a bare remote: `infra/state/app/prod.json` and
 * `infra/state/passphrase/prod.json` (a dummy, never a real passphrase), `sst.config.ts` naming
 * the app `shop`, and three deploys of prod committed (11, 12 and 13 resources), not pushed.
 */
export async function createFlatStateRepo() {
  const { base, remote, clone } = await createRemoteAndClone();
  const git = gitIn(clone);
  const { stages } = generateHome({ app: "shop", seed: 21, stages: [{ name: "prod", resources: 14, deploys: 3 }] });
  const prod = stages[0]!;
  const dir = join(clone, "infra", "state");
  await mkdir(join(dir, "app"), { recursive: true });
  await mkdir(join(dir, "passphrase"), { recursive: true });
  await writeFile(join(clone, "sst.config.ts"), `export default $config({ app(input) { return { name: "shop", home: "local" }; }, async run() {} });\n`);
  const states: string[] = [];
  for (let i = 1; i <= 3; i++) {
    const cp = JSON.parse(prod.current);
    cp.checkpoint.latest.resources = cp.checkpoint.latest.resources.slice(0, 10 + i);
    states.push(JSON.stringify(cp, null, 2));
  }
  await writeFile(join(dir, "passphrase", "prod.json"), "dummy-passphrase-for-tests");
  for (const [i, s] of states.entries()) {
    await writeFile(join(dir, "app", "prod.json"), s);
    await git(["add", "-A"]);
    await git(["commit", "-q", "-m", `deploy prod #${i + 1}`]);
  }
  const env = { PATH: process.env.PATH, HOME: base, ...testGitEnv };
  return { base, remote, clone, dir, git, states, env };
}
