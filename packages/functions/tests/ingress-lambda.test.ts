/**
 * The bot through Bolt's AwsLambdaReceiver: the ingress handler is called with Function-URL-shaped
 * events (payload v2.0, lower-case headers, base64 form bodies as Lambda delivers them), requests
 * signed the way Slack signs them; the answers land on the fake Slack API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogLevel } from "@slack/bolt";
import { createMemoryStateStore, type MemoryStateStore } from "@sst-state/test-kit/memory/state-store";
import { StoreUnavailableError } from "@sst-state/core/errors";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import type { SlackJob } from "@sst-state/slack/jobs";
import { runJob } from "@sst-state/slack/worker";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { signedHeaders, slashCommandBody } from "@sst-state/test-kit/slack/sign";
import { BOT_TOKEN, SIGNING_SECRET, blockingStore, botDeps, failingStore, homeFiles } from "@sst-state/slack/tests/helpers";
import { createIngressHandler, type AwsEvent } from "../ingress.ts";

let api: FakeSlackApi;
beforeAll(async () => {
  api = await startFakeSlackApi({ token: BOT_TOKEN });
});
afterAll(async () => {
  await api.close();
});
afterEach(() => api.reset());

/** A Lambda Function URL event (payload format 2.0) as Lambda builds it from Slack's POST. */
function functionUrlEvent(body: string, headers: Record<string, string>, opts: { base64?: boolean } = {}): AwsEvent {
  const base64 = opts.base64 ?? true;
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/slack/events",
    rawQueryString: "",
    headers: Object.fromEntries(Object.entries({ ...headers, host: "abc123.lambda-url.us-east-1.on.aws", "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)" }).map(([k, v]) => [k.toLowerCase(), v])),
    requestContext: { http: { method: "POST", path: "/slack/events", sourceIp: "3.3.3.3" }, requestId: "req-1", timeEpoch: Date.now() },
    body: base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: base64,
  };
}

function setup(over: Parameters<typeof botDeps>[1] = {}) {
  const deps = botDeps(api, over);
  const jobs: SlackJob[] = [];
  const running: Promise<unknown>[] = [];
  const handler = createIngressHandler({
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    botId: "B0BOT",
    botUserId: "U0BOT",
    slackApiUrl: api.url,
    logLevel: LogLevel.ERROR,
    // as the worker Lambda would: the job runs after the ingress has answered
    handOff: async (job) => {
      jobs.push(job);
      running.push(new Promise((r) => setImmediate(r)).then(() => runJob(JSON.parse(JSON.stringify(job)) as SlackJob, deps)));
    },
  });
  const call = (event: AwsEvent) => handler(event, {});
  const settle = async () => {
    while (running.length) await running.shift();
  };
  return { deps, jobs, call, settle };
}

function signedCommand(text: string, opts: { triggerId?: string; retryNum?: number; timestamp?: number } = {}) {
  const body = slashCommandBody({ text, responseUrl: api.responseUrl(), ...(opts.triggerId ? { triggerId: opts.triggerId } : {}) });
  return { body, headers: signedHeaders(SIGNING_SECRET, body, opts) };
}

describe("ingress Lambda (AwsLambdaReceiver)", () => {
  it("acks a signed command with 200 and 'working…', hands off once, and the answer reaches response_url", async () => {
    // Prepare
    const { call, jobs, settle } = setup();
    const { body, headers } = signedCommand("history prod --limit 3");
    // Act
    const res = await call(functionUrlEvent(body, headers));
    await settle();
    // Assess
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining("Listing the history of `prod`") });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ kind: "command", command: "history prod --limit 3", channel: "C0DEPLOYS", user: "U0ALICE", teamId: "T0TEAM" });
    expect(api.responses).toHaveLength(1);
    expect(JSON.stringify(api.responses[0]!.body.blocks)).toContain("shop/prod: history");
  });

  it("accepts a plain (not base64) body too", async () => {
    const { call, settle } = setup();
    const { body, headers } = signedCommand("status dev");
    const res = await call(functionUrlEvent(body, headers, { base64: false }));
    await settle();
    expect(res.statusCode).toBe(200);
    expect(api.responses).toHaveLength(1);
  });

  it.each([
    ["a bad signature", (body: string) => signedHeaders("wrong-secret", body)],
    ["a stale timestamp", (body: string) => signedHeaders(SIGNING_SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 301 })],
    ["a timestamp from the future", (body: string) => signedHeaders(SIGNING_SECRET, body, { timestamp: Math.floor(Date.now() / 1000) + 3600 })],
    ["missing signature headers", () => ({ "content-type": "application/x-www-form-urlencoded" })],
  ])("answers %s with 401 and does nothing", async (_name, headersFor) => {
    // Prepare
    const { call, jobs, deps, settle } = setup();
    const body = slashCommandBody({ text: "status prod", responseUrl: api.responseUrl() });
    // Act
    const res = await call(functionUrlEvent(body, headersFor(body)));
    await settle();
    // Assess
    expect(res.statusCode).toBe(401);
    expect(jobs).toEqual([]);
    expect(api.calls).toEqual([]);
    expect(api.responses).toEqual([]);
    expect((deps.store as MemoryStateStore).readKeys).toEqual([]);
  });

  it("answers a Slack retry of the same request once", async () => {
    // Prepare
    const { call, settle } = setup();
    const first = signedCommand("status prod", { triggerId: "42.42.same" });
    const retry = signedCommand("status prod", { triggerId: "42.42.same", retryNum: 1 });
    // Act
    const a = await call(functionUrlEvent(first.body, first.headers));
    const b = await call(functionUrlEvent(retry.body, retry.headers));
    await settle();
    // Assess
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect(api.responses).toHaveLength(1);
  });

  it("acks before any state read", async () => {
    // Prepare
    const store = blockingStore(createMemoryStateStore(homeFiles().files));
    const { call, settle } = setup({ store });
    const { body, headers } = signedCommand("status prod");
    // Act
    const res = await call(functionUrlEvent(body, headers));
    const answersAtAck = api.responses.length;
    store.release();
    await settle();
    // Assess
    expect(res.statusCode).toBe(200);
    expect(answersAtAck).toBe(0);
    expect(api.responses).toHaveLength(1);
  });

  it("turns a failing store into a clear message, never a stack trace", async () => {
    // Prepare
    const unavailable = setup({ store: failingStore(createMemoryStateStore(), () => new StoreUnavailableError("The state bucket could not be reached (timeout).", "Check AWS_REGION and the network.")) });
    const crashing = setup({ store: failingStore(createMemoryStateStore(), () => new Error("socket hang up\n    at TLSSocket.onClose (node:_http_client:1:1)")) });
    // Act
    const a = signedCommand("status prod");
    await unavailable.call(functionUrlEvent(a.body, a.headers));
    await unavailable.settle();
    const b = signedCommand("status prod");
    await crashing.call(functionUrlEvent(b.body, b.headers));
    await crashing.settle();
    // Assess
    const [first, second] = api.responses.map((r) => JSON.stringify(r.body));
    expect(first).toContain("could not be reached (timeout)");
    expect(first).toContain("Check AWS_REGION");
    expect(second).toContain("Something went wrong, check the logs");
    expect(second).not.toContain("socket hang up");
    expect(second).not.toContain("node:_http_client");
  });
});

describe("ingress → async invoke → worker, configured from the environment", () => {
  let lambda: Server;
  let invocations: { functionName: string; invocationType: string | undefined; authorization: string | undefined; payload: SlackJob }[] = [];
  let workerRuns: Promise<unknown>[] = [];
  let dir: string;
  const saved: Record<string, string | undefined> = {};
  const env = (k: string, v: string) => {
    saved[k] = process.env[k];
    process.env[k] = v;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sst-state-worker-"));
    await writeLocalHome(dir, homeFiles().files);
    const { handler: workerHandler } = await import("../worker.ts");
    // A stand-in for the Lambda service: records Invoke calls and runs the worker with the payload.
    lambda = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? "");
        const payload = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null") as SlackJob;
        invocations.push({
          functionName: decodeURIComponent(m?.[1] ?? ""),
          invocationType: req.headers["x-amz-invocation-type"] as string | undefined,
          authorization: req.headers.authorization,
          payload,
        });
        res.writeHead(202, { "content-type": "application/json", "x-amzn-requestid": "inv-1" });
        res.end();
        workerRuns.push(new Promise((r) => setImmediate(r)).then(() => workerHandler(payload)));
      });
    });
    await new Promise<void>((r) => lambda.listen(0, "127.0.0.1", r));
    env("AWS_ENDPOINT_URL_LAMBDA", `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`);
    env("AWS_REGION", "us-east-1");
    env("AWS_ACCESS_KEY_ID", "test");
    env("AWS_SECRET_ACCESS_KEY", "test");
    env("SLACK_SIGNING_SECRET", SIGNING_SECRET);
    env("SLACK_BOT_TOKEN", BOT_TOKEN);
    env("SLACK_BOT_ID", "B0BOT");
    env("SLACK_BOT_USER_ID", "U0BOT");
    env("SLACK_API_URL", api.url);
    env("SST_STATE_WORKER_FUNCTION", "sst-state-prod-SlackWorker");
    env("SST_STATE_HOME", "local");
    env("SST_STATE_DIR", dir);
    env("SST_STATE_CONFIG_JSON", JSON.stringify({ app: "shop" }));
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await new Promise<void>((r) => lambda.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("invokes the worker asynchronously with the job, and the worker answers from the local home", async () => {
    // Prepare
    const { handler } = await import("../ingress.ts");
    const { body, headers } = signedCommand("status prod");
    // Act
    const res = await handler(functionUrlEvent(body, headers), {});
    await Promise.all(workerRuns);
    // Assess
    expect(res.statusCode).toBe(200);
    expect(invocations).toHaveLength(1);
    expect(invocations[0]).toMatchObject({ functionName: "sst-state-prod-SlackWorker", invocationType: "Event", payload: { kind: "command", command: "status prod" } });
    // signed with the environment's credentials (the signature itself: packages/adapters/tests/unit/lambda-async-invoke.test.ts)
    expect(invocations[0]!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/lambda\/aws4_request, /);
    expect(api.responses).toHaveLength(1);
    expect(JSON.stringify(api.responses[0]!.body)).toContain("shop/prod: status");
    invocations = [];
    workerRuns = [];
  });

  it("refuses an unsigned request without invoking anything", async () => {
    // Prepare
    const { handler } = await import("../ingress.ts");
    const body = slashCommandBody({ text: "status prod", responseUrl: api.responseUrl() });
    // Act
    const res = await handler(functionUrlEvent(body, { "content-type": "application/x-www-form-urlencoded" }), {});
    // Assess
    expect(res.statusCode).toBe(401);
    expect(invocations).toEqual([]);
    expect(api.responses).toEqual([]);
  });
});
