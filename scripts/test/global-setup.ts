/**
 * Vitest global setup: starts the real services that integration tests run against and hands
 * their endpoints to the tests (`inject("s3Endpoint")`, `inject("dynamoEndpoint")`).
 *
 * `npm test` never skips silently: when a service cannot be started it fails here and says how
 * to install it (`.ci/run` does that on a clean machine). To reuse services across runs, start
 * them once with `npm run services:start` (they are found through .cache/services.json), or set
 * SST_STATE_TEST_S3_ENDPOINT / SST_STATE_TEST_DYNAMODB_ENDPOINT. Tests use unique bucket and table
 * names, so several runs can share one server.
 */
import { existsSync, readFileSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { startSwift } from "../services/swift.ts";
import { startDynamoDbLocal } from "../services/dynamodb-local.ts";

declare module "vitest" {
  export interface ProvidedContext {
    s3Endpoint: string;
    dynamoEndpoint: string;
  }
}

/** Services left running by `npm run services:start` (see scripts/services/start.ts), if they answer. */
async function shared(): Promise<{ s3?: string; dynamo?: string }> {
  const file = new URL("../../.cache/services.json", import.meta.url);
  if (!existsSync(file)) return {};
  const found = JSON.parse(readFileSync(file, "utf8")) as { s3?: string; dynamo?: string };
  const up = async (url?: string) => {
    if (!url) return undefined;
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return url;
    } catch {
      return undefined;
    }
  };
  const [s3, dynamo] = await Promise.all([up(found.s3), up(found.dynamo)]);
  return { ...(s3 ? { s3 } : {}), ...(dynamo ? { dynamo } : {}) };
}

export default async function setup(project: TestProject) {
  const running = await shared();
  const s3Url = process.env.SST_STATE_TEST_S3_ENDPOINT ?? running.s3;
  const ddbUrl = process.env.SST_STATE_TEST_DYNAMODB_ENDPOINT ?? running.dynamo;
  const [s3, ddb] = await Promise.all([
    s3Url ? { endpoint: s3Url, stop: async () => {} } : startSwift(),
    ddbUrl ? { endpoint: ddbUrl, stop: async () => {} } : startDynamoDbLocal(),
  ]);
  project.provide("s3Endpoint", s3.endpoint);
  project.provide("dynamoEndpoint", ddb.endpoint);
  return async () => {
    await Promise.all([s3.stop(), ddb.stop()]);
  };
}
