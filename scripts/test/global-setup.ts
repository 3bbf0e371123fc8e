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
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { runningServices, startServices } from "../services/running.ts";

declare module "vitest" {
  export interface ProvidedContext {
    s3Endpoint: string;
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const running = await runningServices();
  const { s3, dynamo: ddb } = await startServices({
    s3: process.env.SST_STATE_TEST_S3_ENDPOINT ?? running.s3,
    dynamo: process.env.SST_STATE_TEST_DYNAMODB_ENDPOINT ?? running.dynamo,
  });
  project.provide("s3Endpoint", s3.endpoint);
  project.provide("dynamoEndpoint", ddb.endpoint);
  // The hostile-input suite's counts (packages/cli/tests/hostile/tally.ts): each suite appends its
  // line here; the totals are printed when the run ends, where CI output shows them last.
  const hostileReport = join(mkdtempSync(join(tmpdir(), "sst-state-hostile-")), "tally.jsonl");
  process.env.SST_STATE_HOSTILE_REPORT = hostileReport;
  return async () => {
    printHostileReport(hostileReport);
    await Promise.all([s3.stop(), ddb.stop()]);
  };
}

/** The hostile-input suite's lines and totals (tries, held, lost), when any hostile test ran. */
function printHostileReport(file: string): void {
  if (!existsSync(file)) return;
  const records = readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { suite: string; file: string; tries: number; held: number; lost: number });
  const sum = (k: "tries" | "held" | "lost") => records.reduce((n, r) => n + r[k], 0);
  const files = new Set(records.map((r) => r.file)).size;
  console.log(
    [
      "",
      `hostile-input suite: ${records.length} parts in ${files} files`,
      ...records.map((r) => `  hostile ${r.suite}: tries ${r.tries}, held ${r.held}, lost ${r.lost}`),
      `hostile total: tries ${sum("tries")}, held ${sum("held")}, lost ${sum("lost")}${sum("lost") ? "  ← must be 0" : ""}`,
    ].join("\n"),
  );
}
