/**
 * The embedded default: on a machine with no AWS account and no SST home, `npm start` (and
 * `sst-state demo`) generate a realistic local home under `.sst-state/demo`: app `acme-shop`,
 * stage `prod` with several deploys whose last one was interrupted (pending operations, SST's
 * lock left behind), `staging` whose last deploy recorded an error, and a clean `dev`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { createLocalHomeStore, defaultLocalHomeRoot } from "@sst-state/adapters/local-home";

export const DEMO_APP = "acme-shop";

export function demoRoot(cwd: string): string {
  return join(cwd, ".sst-state", "demo");
}

/** Write the demo home if it is not there yet (same seed → same home). */
export async function ensureDemoHome(cwd: string, now = Date.now()): Promise<{ root: string; created: boolean }> {
  const root = demoRoot(cwd);
  if (existsSync(join(root, "state", "app", DEMO_APP))) return { root, created: false };
  const { files } = generateHome({
    app: DEMO_APP,
    seed: 20261122,
    // the last deploys end shortly before now, so ages read naturally
    now: now - 20 * 60_000,
    stages: [
      { name: "prod", resources: 180, deploys: 6, interrupted: true, crashedLock: true },
      { name: "staging", resources: 120, deploys: 4, errors: true },
      { name: "dev", resources: 60, deploys: 3 },
    ],
  });
  await writeLocalHome(root, files);
  return { root, created: true };
}

/**
 * Where the embedded default should read state: the configured local home when it has an app,
 * else the demo home (created on first use). Returns the root and whether it is the demo.
 */
export async function pickEmbeddedHome(env: NodeJS.ProcessEnv, cwd: string): Promise<{ root: string; demo: boolean }> {
  if (env.SST_STATE_HOME === "aws") return { root: "", demo: false };
  try {
    // throws where SST's own root cannot be found (Go's os.UserConfigDir fails): then there is none
    const configured = env.SST_STATE_DIR ?? defaultLocalHomeRoot(env, process.platform);
    const apps = await createLocalHomeStore({ root: configured }).listApps();
    if (apps.length) return { root: configured, demo: false };
  } catch {
    /* no local home at all */
  }
  if (env.SST_STATE_BUCKET || env.AWS_PROFILE || env.AWS_ACCESS_KEY_ID) return { root: "", demo: false };
  const { root } = await ensureDemoHome(cwd);
  return { root, demo: true };
}
