/**
 * `sst-state run` killed with SIGKILL (a CI runner that dies, an OOM kill): nothing can release
 * the lease, so it must expire on its own, and the next acquirer must get the next fencing token.
 * The built CLI against DynamoDB Local (SST_STATE_TABLE + AWS_ENDPOINT_URL_DYNAMODB, as in CI).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { ensureTable } from "@sst-state/adapters/dynamo-table";
import { createDynamoLockStore } from "@sst-state/adapters/dynamodb-lock-store";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { dynamoCredentials } from "../../../../scripts/services/dynamodb-local.ts";
import { binPath, dynamoTableEnv, runBin, tempDir } from "../helpers.ts";

const tableName = `sst-state-run-${randomBytes(4).toString("hex")}`;
let client: DynamoDBClient;
let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  client = new DynamoDBClient({ endpoint: inject("dynamoEndpoint"), region: "us-east-1", credentials: dynamoCredentials });
  await ensureTable(client, tableName);
  home = tempDir("sst-state-run-home-");
  await writeLocalHome(home, generateHome({ app: "shop", seed: 5, stages: [{ name: "prod", resources: 20, deploys: 2 }] }).files);
  env = { SST_STATE_DIR: home, SST_STATE_HOME: "local", ...dynamoTableEnv(tableName, inject("dynamoEndpoint")) };
});
afterAll(() => client.destroy());

it("a run killed with SIGKILL leaves a lease that expires; the next acquirer gets the next token", async () => {
  // Prepare: `run` holds prod with a short lease while its command sleeps (short, yet long enough
  // for the next CLI process to start and ask while it is live on a loaded machine)
  const store = createDynamoLockStore({ client, tableName });
  const child = spawn(process.execPath, [binPath, "run", "prod", "--ttl", "12s", "--holder", "ci-job-1", "--", "sleep", "30"], {
    cwd: tempDir(),
    env: { PATH: process.env.PATH, HOME: home, ...env },
    stdio: "ignore",
    detached: true,
  });
  let held = null as Awaited<ReturnType<typeof store.get>>;
  for (let i = 0; i < 200 && !held; i++) {
    held = await store.get("shop", "prod", Date.now());
    if (!held) await new Promise((r) => setTimeout(r, 100));
  }
  expect(held).toMatchObject({ holder: "ci-job-1" });

  // Act: kill the whole process group (the CLI and its `sleep`) without a chance to clean up
  process.kill(-child.pid!, "SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const whileLive = await runBin(["lock", "prod", "--reason", "next deploy", "--holder", "ci-job-2", "--json"], { env });
  await new Promise((r) => setTimeout(r, Date.parse(held!.expiresAt) - Date.now() + 500));
  const afterExpiry = await runBin(["lock", "prod", "--reason", "next deploy", "--holder", "ci-job-2", "--json"], { env });

  // Assess: refused while the dead holder's lease was live, taken after it expired, token + 1
  expect(whileLive.code).toBe(1);
  expect(JSON.parse(whileLive.stdout)).toMatchObject({ acquired: false, lock: { holder: "ci-job-1" } });
  expect(afterExpiry.code).toBe(0);
  const next = JSON.parse(afterExpiry.stdout);
  expect(next).toMatchObject({ acquired: true, lock: { holder: "ci-job-2" }, tookOver: { holder: "ci-job-1" } });
  expect(next.lock.token).toBe(held!.token + 1);
}, 60_000);
