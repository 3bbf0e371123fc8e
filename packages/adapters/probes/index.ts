/**
 * The cloud probes of a diagnosis, built from the environment (DESIGN §4 "Configuration"): the
 * standard credential chain and AWS_REGION. Without any sign of AWS credentials (a laptop with the
 * local home) the probes are not built at all and the report says why.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CloudFrontKeyValueStoreClient } from "@aws-sdk/client-cloudfront-keyvaluestore";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import type { DiagnosisProbes } from "@sst-state/core/diagnosis/ports";
import { createRouterKvProbe } from "./router-kv.ts";
import { createTaggedResourcesProbe } from "./tagged-resources.ts";

export { createRouterKvProbe } from "./router-kv.ts";
export { createTaggedResourcesProbe } from "./tagged-resources.ts";
export { probeFailure } from "./errors.ts";

type Env = Record<string, string | undefined>;

/** Whether the standard credential chain has anything to work with. */
export function hasAwsAccess(env: Env = process.env, fileExists: (p: string) => boolean = existsSync): boolean {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return true;
  if (env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return true;
  if (env.AWS_LAMBDA_FUNCTION_NAME) return true;
  const dir = env.HOME ? join(env.HOME, ".aws") : join(homedir(), ".aws");
  return fileExists(env.AWS_SHARED_CREDENTIALS_FILE ?? join(dir, "credentials")) || fileExists(env.AWS_CONFIG_FILE ?? join(dir, "config"));
}

export interface AwsProbesOptions {
  env?: Env;
  /** false: do not probe (reported as skipped) */
  enabled?: boolean;
  region?: string;
  /** attempts per call including the first; the SDK backs off on throttling between them (default 5) */
  maxAttempts?: number;
}

export function createAwsProbes(opts: AwsProbesOptions = {}): DiagnosisProbes {
  const env = opts.env ?? process.env;
  if (opts.enabled === false) return { unavailable: "cloud probes are turned off (probes: false)" };
  if (!hasAwsAccess(env)) return { unavailable: "no AWS credentials are configured, so the cloud probes did not run" };
  const region = opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  const common = { region, maxAttempts: opts.maxAttempts ?? 5, retryMode: "standard" as const };
  return {
    routerKv: createRouterKvProbe({ client: new CloudFrontKeyValueStoreClient(common) }),
    tagged: createTaggedResourcesProbe({ client: new ResourceGroupsTaggingAPIClient(common) }),
  };
}
