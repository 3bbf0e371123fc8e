/**
 * `sst-state serve` (the built CLI, a child process) watching SST's local home for the deploy feed,
 * through the same core logic as the AWS function: a deploy simulated in SST's order is posted once
 * and edited in place; serve restarted in the middle of a deploy posts nothing again (the events
 * are claimed in its embedded store) and still edits the same message when the deploy ends; the
 * stuck message's Unlock SST and Diagnose buttons work when clicked (signed as Slack signs them);
 * and serve on the AWS home (the S3 test server) watches the bucket the same way.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome, writeS3Home } from "@sst-state/adapters/home-writer";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { endDeploy, localSimHome, startDeploy, type SimHome } from "@sst-state/test-kit/deploy-sim";
import { buttonClickBody, signedHeaders } from "@sst-state/test-kit/slack/sign";
import { stateKeys } from "@sst-state/core/state/versions";
import { swiftCredentials } from "../../../../scripts/services/swift.ts";
import { spawnServe, tempDir } from "../helpers.ts";

let slack: FakeSlackApi;
let cwd = "";
let home = "";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

/** serve with the feed polling every 200 ms; its first poll runs right after it listens. */
const startServe = () =>
  spawnServe(cwd, {
    SST_STATE_DIR: home,
    SST_STATE_HOME: "local",
    SST_STATE_FEED_INTERVAL: "200ms",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: "xoxb-test",
    SLACK_API_URL: slack.url,
  });

const settle = () => new Promise((r) => setTimeout(r, 1_000));

beforeAll(async () => {
  cwd = tempDir("sst-state-serve-feed-");
  home = join(cwd, "home");
  await writeLocalHome(home, generateHome({ app: "shop", seed: 5, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 20, deploys: 4 }] }).files);
  await writeLocalHome(home, generateHome({ app: "shop", seed: 6, now: Date.now() - 3_600_000, stages: [{ name: "qa", resources: 20, deploys: 2 }] }).files);
  writeFileSync(join(cwd, "sst-state.json"), JSON.stringify({ app: "shop", stages: { prod: { channel: "C0PROD", feed: true }, qa: { channel: "C0QA", feed: true, feedStuckAfter: "2s" } } }));
  slack = await startFakeSlackApi({ token: "xoxb-test" });
}, 60_000);

afterAll(async () => {
  await slack?.close();
});

describe("sst-state serve: deploy feed on the local home", () => {
  it("posts a deploy once, and after a restart in the middle edits the same message instead of posting again", async () => {
    // Prepare: serve is up and has taken its baseline (the 4 past deploys)
    const first = await startServe();
    await settle();
    const posts = () => slack.callsTo("chat.postMessage").filter((c) => c.args.channel === "C0PROD");
    const sim = localSimHome(home);
    // Act 1: a deploy starts
    const d = await startDeploy(sim, "shop", "prod", { at: Date.now() });
    const started = await slack.waitFor(() => posts().find((c) => String(c.args.text).includes(d.id)), 20_000);
    // Act 2: serve restarts while it runs
    await first.stop();
    const second = await startServe();
    await settle();
    // Act 3: the deploy ends
    await endDeploy(sim, d, { at: d.startedMs + 70_000 });
    const finished = await slack.waitFor(() => slack.callsTo("chat.update").find((c) => c.args.ts === started.result!.ts), 20_000);
    await settle();
    await second.stop();
    // Assess
    expect(first.output()).toContain("deploy feed: watching prod, qa");
    expect(started.args.text).toBe(`deploy of prod started (update ${d.id}, command deploy)`);
    expect(posts()).toHaveLength(1);
    expect(finished.args.text).toBe("deploy of prod finished in 1m 10s");
    expect(slack.callsTo("chat.update")).toHaveLength(1);
  }, 90_000);

  it("a stuck deploy's Unlock SST button (clicked in Slack) removes SST's lock as `sst unlock` does, and the message ends as failed; Diagnose starts a diagnosis", async () => {
    // Prepare: serve watching qa (stuck after 2 s), and a deploy of qa that stops making progress
    const server = await startServe();
    await settle();
    const sim = localSimHome(home);
    const d = await startDeploy(sim, "shop", "qa", { at: Date.now() });
    const started = await slack.waitFor(() => slack.callsTo("chat.postMessage").find((c) => String(c.args.text).includes(d.id)), 20_000);
    const stuck = await slack.waitFor(() => slack.callsTo("chat.update").find((c) => c.args.ts === started.result!.ts && String(c.args.text).includes("looks stuck")), 20_000);
    const buttons = ((stuck.args.blocks ?? []) as { type: string; elements?: { action_id: string; value: string }[] }[]).flatMap((b) => b.elements ?? []);
    const click = async (actionId: string, user: string) => {
      const value = buttons.find((b) => b.action_id === actionId)!.value;
      const id = `r${Math.random().toString(36).slice(2)}`;
      const body = buttonClickBody({ actionId, value, responseUrl: slack.responseUrl(id), user, channel: "C0QA" });
      const res = await fetch(server.url, { method: "POST", headers: signedHeaders(SECRET, body), body });
      expect(res.status).toBe(200);
      return slack.waitFor(() => slack.responses.find((r) => r.id === id), 20_000);
    };
    // Act
    const unlocked = await click("deploy_feed_sst_unlock", "U0BOB");
    const failed = await slack.waitFor(() => slack.callsTo("chat.update").find((c) => c.args.ts === started.result!.ts && String(c.args.text).includes("failed")), 20_000);
    const again = await click("deploy_feed_sst_unlock", "U0BOB");
    const diagnose = await click("deploy_feed_diagnose", "U0BOB");
    await settle();
    await server.stop();
    // Assess: the lock is gone, the record closed as `sst unlock` closes it, one message throughout
    expect(await sim.read(stateKeys.lock("shop", "qa"))).toBeNull();
    const record = JSON.parse((await sim.read(stateKeys.update("shop", "qa", d.id)))!) as { errors: { message: string }[]; timeCompleted?: string };
    expect(record.errors.map((e) => e.message)).toEqual(["Update did not complete and was force unlocked with the `sst unlock` command"]);
    expect(record.timeCompleted).toBeTruthy();
    expect(unlocked.body.response_type).toBe("in_channel");
    expect(JSON.stringify(unlocked.body)).toContain("removed SST's lock of *shop/qa*");
    expect(String(failed.args.text)).toMatch(/^deploy of qa failed after .+: Update did not complete and was force unlocked with the `sst unlock` command$/);
    expect(JSON.stringify(again.body)).toContain("already gone");
    expect(JSON.stringify(diagnose.body)).toContain("Diagnosis of shop/qa queued");
    expect(slack.callsTo("chat.postMessage").filter((c) => c.args.channel === "C0QA" && !c.args.thread_ts && String(c.args.text).includes(d.id))).toHaveLength(1);
  }, 90_000);

  it("on the AWS home (the S3 test server) serve watches the bucket the same way: a deploy posted once, then finished in place", async () => {
    // Prepare: a bucket with past deploys of prod, serve pointed at it (its events in the embedded store)
    const bucket = `sst-state-${randomBytes(6).toString("hex")}`;
    const s3 = new S3Client({ endpoint: inject("s3Endpoint"), region: "us-east-1", forcePathStyle: true, credentials: swiftCredentials });
    await writeS3Home(s3, bucket, generateHome({ app: "shop", seed: 8, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 20, deploys: 3 }] }).files);
    const sim: SimHome = {
      put: async (key, body) => void (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))),
      del: async (key) => void (await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))),
      read: async () => null,
    };
    const awsCwd = tempDir("sst-state-serve-feed-aws-");
    writeFileSync(join(awsCwd, "sst-state.json"), JSON.stringify({ app: "shop", stages: { prod: { channel: "C0AWS", feed: true } } }));
    const server = await spawnServe(awsCwd, {
      SST_STATE_HOME: "aws",
      SST_STATE_BUCKET: bucket,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: swiftCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: swiftCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_S3: inject("s3Endpoint"),
      SST_STATE_FEED_INTERVAL: "300ms",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: "xoxb-test",
      SLACK_API_URL: slack.url,
    });
    try {
      await settle();
      // Act
      const d = await startDeploy(sim, "shop", "prod", { at: Date.now() });
      const started = await slack.waitFor(() => slack.callsTo("chat.postMessage").find((c) => c.args.channel === "C0AWS" && String(c.args.text).includes(d.id)), 20_000);
      await endDeploy(sim, d, { at: d.startedMs + 12_000 });
      const finished = await slack.waitFor(() => slack.callsTo("chat.update").find((c) => c.args.ts === started.result!.ts), 20_000);
      await settle();
      // Assess
      expect(server.output()).toContain(`deploy feed: watching prod of s3://${bucket}`);
      expect(started.args.text).toBe(`deploy of prod started (update ${d.id}, command deploy)`);
      expect(finished.args.text).toBe("deploy of prod finished in 12s");
      expect(slack.callsTo("chat.postMessage").filter((c) => c.args.channel === "C0AWS")).toHaveLength(1);
      expect(slack.callsTo("chat.update").filter((c) => c.args.channel === "C0AWS")).toHaveLength(1);
    } finally {
      await server.stop();
      s3.destroy();
    }
  }, 90_000);
});
