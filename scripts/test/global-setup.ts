/**
 * Vitest global setup: starts the real services that integration tests run against and hands
 * their endpoints to the tests (`inject("s3Endpoint")`, `inject("dynamoEndpoint")`).
 *
 * `npm test` never skips silently: when a service cannot be started it fails here and says how
 * to install it (`.ci/run` does that on a clean machine). Set SST_STATE_TEST_S3_ENDPOINT /
 * SST_STATE_TEST_DYNAMODB_ENDPOINT to use services that are already running.
 */
import type { TestProject } from "vitest/node";
import { startSwift } from "../services/swift.ts";
import { startDynamoDbLocal } from "../services/dynamodb-local.ts";

declare module "vitest" {
  export interface ProvidedContext {
    s3Endpoint: string;
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const [s3, ddb] = await Promise.all([
    process.env.SST_STATE_TEST_S3_ENDPOINT
      ? { endpoint: process.env.SST_STATE_TEST_S3_ENDPOINT, stop: async () => {} }
      : startSwift(),
    process.env.SST_STATE_TEST_DYNAMODB_ENDPOINT
      ? { endpoint: process.env.SST_STATE_TEST_DYNAMODB_ENDPOINT, stop: async () => {} }
      : startDynamoDbLocal(),
  ]);
  project.provide("s3Endpoint", s3.endpoint);
  project.provide("dynamoEndpoint", ddb.endpoint);
  return async () => {
    await Promise.all([s3.stop(), ddb.stop()]);
  };
}
