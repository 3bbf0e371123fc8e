/**
 * Pick and build the StateStore (DESIGN §4): `--home` / SST_STATE_HOME (`local` | `aws`); without
 * either, `local` when the local home has the app (or any app, when no app is given), else `aws`.
 * The local home root is `--state-dir` / SST_STATE_DIR, else SST's default. AWS clients come from
 * the standard credential chain and AWS_REGION; AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SSM point
 * them at other servers (path-style S3 addressing then, as local S3 servers need).
 */
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { UsageError } from "@sst-state/core/errors";
import type { StateStore } from "@sst-state/core/ports";
import { createLocalHomeStore, defaultLocalHomeRoot } from "./local-home.ts";
import { createS3HomeStore, resolveStateBucket } from "./s3-home.ts";

export interface CreateStateStoreOptions {
  home?: "local" | "aws";
  /** local home root (the folder that contains `state/`) */
  stateDir?: string;
  app?: string;
  env: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  /** prebuilt clients (tests); otherwise built from `env` */
  s3?: S3Client;
  ssm?: SSMClient;
}

export interface CreatedStateStore {
  store: StateStore;
  home: "local" | "aws";
  /** why this home was chosen, for `--verbose` and error messages */
  why: string;
}

export async function createStateStore(opts: CreateStateStoreOptions): Promise<CreatedStateStore> {
  const { env } = opts;
  const requested = opts.home ?? parseHome(env.SST_STATE_HOME);
  const app = opts.app ?? (env.SST_STATE_APP || undefined);
  const stateDir = opts.stateDir ?? (env.SST_STATE_DIR || undefined);
  const root = stateDir ?? defaultLocalHomeRoot(env, opts.platform ?? process.platform);

  if (requested === "local") {
    return { store: createLocalHomeStore({ root, env }), home: "local", why: `${opts.home ? "--home local" : "SST_STATE_HOME=local"}: local home ${root}` };
  }
  if (requested === undefined) {
    const local = createLocalHomeStore({ root, env });
    let apps: string[] = [];
    try {
      apps = await local.listApps();
    } catch {
      apps = []; // an unreadable local home is as good as none here; AWS is next
    }
    if (app ? apps.includes(app) : apps.length > 0) {
      return { store: local, home: "local", why: app ? `local home ${root} has app ${app}` : `local home ${root} has state (apps: ${apps.join(", ")})` };
    }
    const aws = await awsStore(opts);
    const reason = app ? `local home ${root} has no state for app ${app}` : `local home ${root} has no state`;
    return { ...aws, why: `${reason}; using the AWS home (${aws.why})` };
  }
  const aws = await awsStore(opts);
  return { ...aws, why: `${opts.home ? "--home aws" : "SST_STATE_HOME=aws"}: ${aws.why}` };
}

function parseHome(value: string | undefined): "local" | "aws" | undefined {
  if (!value) return undefined;
  if (value === "local" || value === "aws") return value;
  throw new UsageError(`SST_STATE_HOME is "${value}".`, 'Set SST_STATE_HOME to "local" or "aws" (or unset it to choose automatically).');
}

async function awsStore(opts: CreateStateStoreOptions): Promise<CreatedStateStore> {
  const { env } = opts;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  const s3Endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const ssmEndpoint = env.AWS_ENDPOINT_URL_SSM ?? env.AWS_ENDPOINT_URL;
  const s3 =
    opts.s3 ??
    new S3Client({
      ...(region ? { region } : {}),
      ...(credentials ? { credentials } : {}),
      ...(s3Endpoint ? { endpoint: s3Endpoint, forcePathStyle: true } : {}),
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    });
  const needSsm = !env.SST_STATE_BUCKET;
  const ssm =
    opts.ssm ??
    (needSsm
      ? new SSMClient({
          ...(region ? { region } : {}),
          ...(credentials ? { credentials } : {}),
          ...(ssmEndpoint ? { endpoint: ssmEndpoint } : {}),
          requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
        })
      : undefined);
  const { bucket, from } = ssm ? await resolveStateBucket({ env, ssm }) : { bucket: env.SST_STATE_BUCKET!, from: "SST_STATE_BUCKET" };
  return { store: createS3HomeStore({ bucket, client: s3, env }), home: "aws", why: `bucket ${bucket} from ${from}` };
}
