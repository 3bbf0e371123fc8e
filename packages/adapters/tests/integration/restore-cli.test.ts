/**
 * `sst-state restore` and `sst-state audit` (the CLI, in-process) over a local home, DynamoDB
 * Local (SST_STATE_TABLE) and the fake Slack Web API (SLACK_BOT_TOKEN + SLACK_API_URL); and the
 * restore worker's event handling (packages/functions/restore.ts) against Swift + DynamoDB Local.
 */
import { writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseConfig } from "@sst-state/core/config";
import { sha256Hex } from "@sst-state/core/restore";
import { createTestClock } from "@sst-state/test-kit/restore";
import { generateHome } from "@sst-state/core/state/generate-home";
import { dynamoCredentials } from "../../../../scripts/services/dynamodb-local.ts";
import { swiftCredentials } from "../../../../scripts/services/swift.ts";
import { restoreCliEnv, runInProcess, tempDir } from "../../../cli/tests/helpers.ts";
import { restoreServiceFromDeps, runRestoreEvent } from "../../../functions/restore.ts";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { createDynamoClient } from "../../dynamodb-client.ts";
import { createDynamoApprovalStore } from "../../dynamodb-approval-store.ts";
import { ensureTable } from "../../dynamo-table.ts";
import { writeLocalHome, writeS3Home } from "../../home-writer.ts";
import { createLocalHomeStore } from "../../local-home.ts";
import { createS3HomeStore } from "../../s3-home.ts";

const TOKEN = "xoxb-cli-restore";
const table = `restore-cli-${Date.now().toString(36)}`;
let ddb: ReturnType<typeof createDynamoClient>;
let slack: FakeSlackApi;
let cwd: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ddb = createDynamoClient({ endpoint: inject("dynamoEndpoint"), env: {}, region: "us-east-1", credentials: dynamoCredentials });
  await ensureTable(ddb, table);
  slack = await startFakeSlackApi({ token: TOKEN });
  cwd = tempDir("sst-state-restore-cli-");
  await writeLocalHome(join(cwd, "home"), generateHome({ app: "shop", seed: 9, stages: ["prod", "dev"] }).files);
  writeFileSync(
    join(cwd, "sst-state.json"),
    JSON.stringify({ app: "shop", stages: { prod: { channel: "C0PROD", approvers: ["U0BOB"] }, dev: { channel: "C0DEV", requireApproval: false } } }),
  );
  env = restoreCliEnv({ table, dynamoEndpoint: inject("dynamoEndpoint"), slackToken: TOKEN, slackUrl: slack.url, stateDir: join(cwd, "home") });
});
afterAll(async () => {
  ddb?.destroy();
  await slack?.close();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

describe("sst-state restore / audit", () => {
  it("creates the request, posts it to the stage's channel and says that approval happens in Slack", async () => {
    // Act
    const r = await runInProcess(["restore", "prod", "previous", "--json"], { env, cwd });
    // Assess
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { request: { id: string; status: string; requester: string }; posted: { channel: string } };
    expect(out.request).toMatchObject({ status: "pending", requester: "alice@laptop" });
    expect(out.posted.channel).toBe("C0PROD");
    const post = slack.callsTo("chat.postMessage").find((c) => c.args.channel === "C0PROD");
    expect(JSON.stringify(post?.args.blocks)).toContain(`"value":"${out.request.id}"`);
    expect(await createDynamoApprovalStore({ client: ddb, tableName: table }).get(out.request.id)).toMatchObject({ status: "pending", channel: "C0PROD" });
    const human = await runInProcess(["restore", "prod", "~2"], { env, cwd });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Approval happens in Slack/);
  });

  it("--yes is refused where the stage requires approval (exit 1) and restores where it does not", async () => {
    const store = createLocalHomeStore({ root: join(cwd, "home") });
    const refused = await runInProcess(["restore", "prod", "previous", "--yes"], { env, cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/requires a second person/);

    const before = await store.listVersions("shop", "dev");
    const target = sha256Hex(await store.readVersion("shop", "dev", before[1]!));
    const done = await runInProcess(["restore", "dev", "previous", "--yes"], { env, cwd });
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/sst refresh --stage dev/);
    expect(sha256Hex((await store.readCurrent("shop", "dev")).bytes)).toBe(target);
    expect(slack.callsTo("chat.postMessage").some((c) => c.args.channel === "C0DEV" && /restored to/.test(String(c.args.text)))).toBe(true);
  });

  it("audit lists every step, newest first", async () => {
    const r = await runInProcess(["audit", "dev", "--json"], { env, cwd });
    expect(r.code).toBe(0);
    const { entries } = JSON.parse(r.stdout) as { entries: { action: string; actor: string }[] };
    expect(entries.map((e) => e.action)).toEqual(["restore.done", "restore.approved", "restore.requested"]);
    expect(entries.every((e) => e.actor === "alice@laptop")).toBe(true);
    const human = await runInProcess(["audit", "prod"], { env, cwd });
    expect(human.stdout).toMatch(/restore requested\s+alice@laptop/);
    expect((await runInProcess(["audit", "prod", "--limit", "zero"], { env, cwd })).code).toBe(2);
  });
});

describe("the restore worker (packages/functions/restore.ts)", () => {
  it("runs an approval event and answers plain JSON; a scheduled event expires what is past its expiry", async () => {
    // Prepare: Swift + DynamoDB Local, a request made through the same service
    const s3 = new S3Client({ endpoint: inject("s3Endpoint"), region: "us-east-1", credentials: swiftCredentials, forcePathStyle: true });
    const bucket = `sst-state-worker${Date.now().toString(36)}`;
    await writeS3Home(s3, bucket, generateHome({ app: "shop", seed: 10, stages: ["prod"] }).files);
    const clock = createTestClock(Date.UTC(2026, 0, 16));
    const service = await restoreServiceFromDeps({
      store: createS3HomeStore({ bucket, client: s3 }),
      ddb,
      tableName: table,
      config: parseConfig(JSON.stringify({ stages: { prod: { approvers: ["U0BOB"] } } })),
      clock,
    });
    const a = await service.request({ app: "shop", stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const b = await service.request({ app: "shop", stage: "prod", selector: "~2", requester: "U0ALICE", source: "slack" });
    // Act
    const denied = await runRestoreEvent(service, { op: "approve", id: a.request.id, approver: "U0MALLORY" });
    const approved = JSON.parse(JSON.stringify(await runRestoreEvent(service, { op: "approve", id: a.request.id, approver: "U0BOB" })));
    clock.advance(31 * 60_000);
    const swept = await runRestoreEvent(service, { source: "aws.events", "detail-type": "Scheduled Event" });
    // Assess
    expect(denied).toMatchObject({ kind: "not-allowed" });
    expect(approved).toMatchObject({ kind: "restored", request: { status: "done", decidedBy: "U0BOB" } });
    expect(swept).toEqual({ expired: [b.request.id] });
    expect(await runRestoreEvent(service, { op: "approve", id: "", approver: "U0BOB" })).toMatchObject({ error: { code: "bad-event" } });
    s3.destroy();
  });
});
