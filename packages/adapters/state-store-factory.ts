/**
 * Pick and build the StateStore (DESIGN §4): `--home` / SST_STATE_HOME (`local` | `aws` | `git`; git
 * needs `--state-dir`, the folder in the repository that holds the state); without
 * either, `local` when the local home has the app (or any app, when no app is given), else `aws`.
 * The local home root is `--state-dir` / SST_STATE_DIR, else SST's default. AWS clients come from
 * the standard credential chain and AWS_REGION; AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SSM point
 * them at other servers (path-style S3 addressing then, as local S3 servers need).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { SstStateError, UsageError } from "@sst-state/core/errors";
import type { StateStore } from "@sst-state/core/ports";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createLocalHomeStore, defaultLocalHomeRoot } from "./local-home.ts";

export interface CreateStateStoreOptions {
  home?: "local" | "aws" | "git";
  /** local home root (the folder that contains `state/`) */
  stateDir?: string;
  app?: string;
  env: Record<string, string | undefined>;
  platform?: NodeJS.Platform | "ios";
  /** prebuilt clients (tests); otherwise built from `env` */
  s3?: S3Client;
  ssm?: SSMClient;
  /** added to the error when no home has the state (the CLI names its demo home here) */
  noHomeHint?: string;
  /** the local home's cache of file comparisons (LocalHomeStoreOptions.tieCacheDir) */
  tieCacheDir?: string;
}

export interface CreatedStateStore {
  store: StateStore;
  home: "local" | "aws" | "git";
  /** why this home was chosen, for `--verbose` and error messages */
  why: string;
}

export async function createStateStore(opts: CreateStateStoreOptions): Promise<CreatedStateStore> {
  const { env } = opts;
  const requested = opts.home ?? parseHome(env.SST_STATE_HOME);
  const app = opts.app ?? (env.SST_STATE_APP || undefined);
  const stateDir = opts.stateDir ?? (env.SST_STATE_DIR || undefined);
  // SST's own root throws (a UsageError saying what to set) where Go's os.UserConfigDir fails.
  const findRoot = () => stateDir ?? defaultLocalHomeRoot(env, opts.platform ?? process.platform);

  if (requested === "git") {
    if (!stateDir) {
      throw new UsageError(
        `${opts.home ? "--home git" : "SST_STATE_HOME=git"} needs the folder in your repository that holds the state.`,
        "Add --state-dir (or SST_STATE_DIR), e.g. `--home git --state-dir infra/state`.",
      );
    }
    // Loaded only for the git home.
    const { createGitHomeStore } = await import("./git-home.ts");
    const store = await createGitHomeStore({ dir: stateDir, env, ...(app ? { app } : {}) });
    return { store, home: "git", why: `${opts.home ? "--home git" : "SST_STATE_HOME=git"}: git home ${stateDir}` };
  }
  if (requested === "local") {
    const root = findRoot();
    return { store: createLocalHomeStore({ root, env, ...(opts.tieCacheDir ? { tieCacheDir: opts.tieCacheDir } : {}) }), home: "local", why: `${opts.home ? "--home local" : "SST_STATE_HOME=local"}: local home ${root}` };
  }
  if (requested === undefined) {
    let root: string;
    try {
      root = findRoot();
    } catch (e) {
      // No local home can exist here (SST could not run with this environment either): AWS is next.
      const aws = await awsStore(opts);
      return { ...aws, why: `${(e as Error).message} Using the AWS home (${aws.why})` };
    }
    const local = createLocalHomeStore({ root, env, ...(opts.tieCacheDir ? { tieCacheDir: opts.tieCacheDir } : {}) });
    let apps: string[] = [];
    try {
      apps = await local.listApps();
    } catch {
      apps = []; // an unreadable local home is as good as none here; AWS is next
    }
    if (app ? apps.includes(app) : apps.length > 0) {
      return { store: local, home: "local", why: app ? `local home ${root} has app ${app}` : `local home ${root} has state (apps: ${apps.join(", ")})` };
    }
    // Without a region or credentials the AWS home cannot answer (the SDK would fail on SSM with
    // "Region is missing"): say what was looked at instead, and what each place holds.
    const setup = awsSetup(env, opts.s3 !== undefined);
    if (!setup.usable) throw await homeNotFound(local, root, apps, app, setup.missing, opts.noHomeHint);
    const aws = await awsStore(opts);
    const reason = app ? `local home ${root} has no state for app ${app}` : `local home ${root} has no state`;
    return { ...aws, why: `${reason}; using the AWS home (${aws.why})` };
  }
  const aws = await awsStore(opts);
  return { ...aws, why: `${opts.home ? "--home aws" : "SST_STATE_HOME=aws"}: ${aws.why}` };
}

/**
 * Whether the AWS home can be tried at all: a region (AWS_REGION, AWS_DEFAULT_REGION or a shared
 * config file) and credentials (keys, a profile, web identity, container credentials or shared
 * files), as the SDK's default chains look for them. Instance metadata alone is not seen here:
 * `--home aws` (or SST_STATE_HOME=aws) still uses it.
 */
export function awsSetup(env: Record<string, string | undefined>, prebuiltClients = false): { usable: boolean; missing: string } {
  if (prebuiltClients) return { usable: true, missing: "" };
  const home = env.HOME || homedir();
  const configFile = existsSync(env.AWS_CONFIG_FILE || join(home, ".aws", "config"));
  const credentialsFile = existsSync(env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"));
  const region = !!(env.AWS_REGION || env.AWS_DEFAULT_REGION) || configFile;
  const credentials =
    !!(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) ||
    configFile ||
    credentialsFile;
  const missing = [!credentials && "credentials", !region && "region"].filter(Boolean).join("/");
  return { usable: region && credentials, missing };
}

/** No home has the state: name each place looked at and what it holds (apps and their stages). */
async function homeNotFound(local: StateStore, root: string, apps: string[], app: string | undefined, awsMissing: string, extraHint?: string): Promise<SstStateError> {
  const found = await Promise.all(apps.map(async (a) => `${a} (${(await local.listStages(a).catch(() => [])).join(", ") || "no stages"})`));
  const lines = [
    app ? `App "${app}" has no state in any home sst-state can read here.` : "No SST state found in any home sst-state can read here.",
    `  local home ${root}: ${found.length ? `apps ${found.join("; ")}` : "no state"}`,
    `  AWS: no ${awsMissing} (AWS_REGION/AWS_PROFILE or ~/.aws are not set up)`,
  ];
  const hints = [
    ...(extraHint ? [extraHint] : []),
    ...(app && apps.length ? [`Use one of the apps found: --app ${apps[0]} (or SST_STATE_APP).`] : []),
    "Point --state-dir (SST_STATE_DIR) at the folder holding SST's state/ folder, or set AWS_PROFILE and AWS_REGION to read your app's state bucket (--home aws).",
  ];
  return new SstStateError(app && apps.length ? "app-not-found" : "home-not-found", lines.join("\n"), { hint: hints.join(" "), exitCode: 2 });
}

function parseHome(value: string | undefined): "local" | "aws" | "git" | undefined {
  if (!value) return undefined;
  if (value === "local" || value === "aws" || value === "git") return value;
  throw new UsageError(`SST_STATE_HOME is "${value}".`, 'Set SST_STATE_HOME to "local", "aws" or "git" (or unset it to choose automatically).');
}

async function awsStore(opts: CreateStateStoreOptions): Promise<CreatedStateStore> {
  // Loaded only for the AWS home: a CLI run on the local home never parses the S3/SSM clients.
  const { createAwsHomeStore } = await import("./s3-home.ts");
  return createAwsHomeStore(opts);
}
