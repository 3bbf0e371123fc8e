/**
 * The real Bolt app over HTTP (startServe on port 0), requests signed the way Slack signs them,
 * answers recorded by the fake Slack API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMemoryStateStore, type MemoryStateStore } from "@sst-state/test-kit/memory/state-store";
import { StoreUnavailableError } from "@sst-state/core/errors";
import { LOCK_RELEASE_ACTION_ID } from "@sst-state/core/lock";
import { startServe, type ServeHandle } from "../../receivers/serve.ts";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { buttonClickBody, signedHeaders, slashCommandBody } from "@sst-state/test-kit/slack/sign";
import { limitViolations } from "../../render/limits.ts";
import type { BotDeps } from "../../deps.ts";
import { LogLevel } from "@slack/bolt";
import {
  addBigStage,
  BOT_TOKEN,
  blockingStore,
  botDeps,
  ciphertextsOf,
  failingStore,
  homeFiles,
  quietLog,
  SIGNING_SECRET,
} from "../helpers.ts";

let api: FakeSlackApi;
const servers: ServeHandle[] = [];

beforeAll(async () => {
  api = await startFakeSlackApi({ token: BOT_TOKEN });
});
afterAll(async () => {
  await api.close();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  api.reset();
  quietLog.lines.length = 0;
});

async function serve(over: Partial<BotDeps> = {}, opts: { signingSecret?: string } = {}) {
  const deps = botDeps(api, over);
  const printed: string[] = [];
  const handle = await startServe({
    port: 0,
    deps,
    signingSecret: "signingSecret" in opts ? opts.signingSecret : SIGNING_SECRET,
    botToken: BOT_TOKEN,
    slackApiUrl: api.url,
    botId: "B0BOT",
    botUserId: "U0BOT",
    print: (l) => printed.push(l),
    logLevel: LogLevel.ERROR,
  });
  servers.push(handle);
  return { handle, deps, printed };
}

async function post(handle: ServeHandle, body: string, headers: Record<string, string>) {
  const res = await fetch(`${handle.url}/slack/events`, { method: "POST", headers, body });
  return { status: res.status, text: await res.text() };
}

function command(handle: ServeHandle, text: string, opts: { triggerId?: string; retryNum?: number; timestamp?: number; user?: string; responseId?: string } = {}) {
  const body = slashCommandBody({
    text,
    responseUrl: api.responseUrl(opts.responseId),
    ...(opts.triggerId ? { triggerId: opts.triggerId } : {}),
    ...(opts.user ? { user: opts.user } : {}),
  });
  return post(handle, body, signedHeaders(SIGNING_SECRET, body, { ...(opts.timestamp ? { timestamp: opts.timestamp } : {}), ...(opts.retryNum ? { retryNum: opts.retryNum } : {}) }));
}

function everythingSent(): string {
  return JSON.stringify({ calls: api.calls, responses: api.responses, uploads: api.uploads });
}

describe("serve over HTTP: signed requests", () => {
  it("acks a good request at once and posts the status card to response_url", async () => {
    // Prepare
    const { handle, deps } = await serve();
    // Act
    const res = await command(handle, "status prod");
    await handle.drain();
    // Assess
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining("Reading the status of `prod`") });
    expect(api.responses).toHaveLength(1);
    const answer = api.responses[0]!.body;
    expect(answer.response_type).toBe("in_channel");
    expect(JSON.stringify(answer.blocks)).toContain("shop/prod: status");
    expect(limitViolations({ text: answer.text!, blocks: answer.blocks as never })).toEqual([]);
    expect((deps.store as MemoryStateStore).readKeys.some((k) => k.startsWith("app/shop/prod"))).toBe(true);
  });

  it.each([
    ["a bad signature", (body: string) => ({ ...signedHeaders("not-the-secret", body) })],
    ["a stale timestamp (6 minutes old)", (body: string) => signedHeaders(SIGNING_SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 360 })],
    ["a timestamp 10 minutes in the future", (body: string) => signedHeaders(SIGNING_SECRET, body, { timestamp: Math.floor(Date.now() / 1000) + 600 })],
    ["no signature headers", () => ({ "content-type": "application/x-www-form-urlencoded" })],
  ])("refuses %s with 401 and does nothing", async (_name, headers) => {
    // Prepare
    const { handle, deps } = await serve();
    const body = slashCommandBody({ text: "status prod", responseUrl: api.responseUrl() });
    // Act
    const res = await post(handle, body, headers(body));
    await handle.drain();
    // Assess
    expect(res.status).toBe(401);
    expect(api.calls).toEqual([]);
    expect(api.responses).toEqual([]);
    expect((deps.store as MemoryStateStore).readKeys).toEqual([]);
  });

  it("answers a retried request once", async () => {
    // Prepare
    const { handle } = await serve();
    const triggerId = "1337.42.retry-me";
    // Act
    const first = await command(handle, "history prod", { triggerId });
    const retry = await command(handle, "history prod", { triggerId, retryNum: 1 });
    await handle.drain();
    // Assess
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.text).not.toContain("Listing");
    expect(api.responses).toHaveLength(1);
    expect(quietLog.lines.some((l) => l.message === "duplicate delivery dropped")).toBe(true);
  });

  it("sends the ack before any state is read", async () => {
    // Prepare
    const store = blockingStore(createMemoryStateStore(homeFiles().files));
    const { handle } = await serve({ store });
    // Act
    const res = await command(handle, "status prod");
    const answeredBeforeRead = api.responses.length;
    store.release();
    await handle.drain();
    // Assess
    expect(res.status).toBe(200);
    expect(res.text).toContain("Reading the status");
    expect(answeredBeforeRead).toBe(0);
    expect(store.readsStarted).toBeGreaterThan(0);
    expect(api.responses).toHaveLength(1);
  });

  it("answers mistakes and help in the ack itself, without handing off", async () => {
    // Prepare
    const { handle, deps } = await serve();
    // Act
    const typo = await command(handle, "stauts prod");
    const help = await command(handle, "help");
    await handle.drain();
    // Assess
    expect(typo.status).toBe(200);
    expect(typo.text).toContain("Did you mean");
    expect(typo.text).toContain("/sst-state status prod");
    expect(help.text).toContain("/sst-state diff");
    expect(api.responses).toEqual([]);
    expect((deps.store as MemoryStateStore).readKeys).toEqual([]);
  });
});

describe("serve over HTTP: failures are clear messages", () => {
  it("a store that is unavailable yields its message and hint", async () => {
    // Prepare
    const store = failingStore(createMemoryStateStore(homeFiles().files), () => new StoreUnavailableError("S3 bucket sst-state-abc could not be read (AccessDenied).", "Give the bot's role s3:GetObject on the state bucket."));
    const { handle } = await serve({ store });
    // Act
    await command(handle, "status prod");
    await handle.drain();
    // Assess
    expect(api.responses).toHaveLength(1);
    const text = JSON.stringify(api.responses[0]!.body);
    expect(api.responses[0]!.body.response_type).toBe("ephemeral");
    expect(text).toContain("could not be read (AccessDenied)");
    expect(text).toContain("s3:GetObject");
  });

  it("any other error yields 'something went wrong' with a reference, never the stack", async () => {
    // Prepare
    const boom = () => new TypeError("Cannot read properties of undefined (reading 'resources') at parse (/var/task/index.mjs:1:2)");
    const store = failingStore(createMemoryStateStore(homeFiles().files), boom);
    const { handle } = await serve({ store });
    // Act
    await command(handle, "diff prod");
    await handle.drain();
    // Assess
    const text = JSON.stringify(api.responses[0]!.body);
    expect(text).toContain("Something went wrong, check the logs");
    expect(text).not.toContain("Cannot read properties");
    expect(text).not.toContain("/var/task");
    const logged = quietLog.lines.find((l) => l.message === "command crashed");
    expect(logged?.data?.reference).toBeDefined();
    expect(text).toContain(String(logged!.data!.reference));
  });

  it("an unknown stage lists the stages and suggests the closest", async () => {
    // Prepare
    const { handle } = await serve();
    // Act
    await command(handle, "status prdo");
    await handle.drain();
    // Assess
    const text = JSON.stringify(api.responses[0]!.body);
    expect(text).toContain("Did you mean `prod`?");
    expect(text).toMatch(/dev, prod, staging|prod, staging, dev|dev, staging, prod/);
  });
});

describe("serve over HTTP: answers", () => {
  it("posts a large diff as a summary in the channel and uploads the full diff in its thread", async () => {
    // Prepare
    const { handle, deps } = await serve();
    addBigStage(deps.store as MemoryStateStore);
    // Act
    await command(handle, "diff big");
    await handle.drain();
    // Assess
    const posts = api.callsTo("chat.postMessage");
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args.channel).toBe("C0DEPLOYS");
    expect(limitViolations({ text: String(posts[0]!.args.text), blocks: posts[0]!.args.blocks as never })).toEqual([]);
    const complete = api.callsTo("files.completeUploadExternal");
    expect(complete).toHaveLength(1);
    expect(complete[0]!.args.thread_ts).toBe(posts[0]!.result!.ts);
    expect(api.uploads).toHaveLength(1);
    expect(api.uploads[0]!.content).toMatch(/^sst-state diff shop\/big/);
    expect(api.uploads[0]!.content.split("\n").filter((l) => /^[+~-] urn:/.test(l)).length).toBeGreaterThan(400);
    expect(api.responses).toEqual([]);
  });

  it("falls back to response_url with a note when the bot cannot post in the channel", async () => {
    // Prepare
    const { handle, deps } = await serve();
    addBigStage(deps.store as MemoryStateStore);
    api.failNext("chat.postMessage", "not_in_channel");
    // Act
    await command(handle, "diff big");
    await handle.drain();
    // Assess
    expect(api.uploads).toEqual([]);
    expect(api.responses).toHaveLength(1);
    expect(JSON.stringify(api.responses[0]!.body)).toContain("invite me");
  });

  it("never sends a secret's ciphertext in any message or file", async () => {
    // Prepare
    const { handle, deps } = await serve();
    addBigStage(deps.store as MemoryStateStore);
    const secrets = ciphertextsOf(deps.store as MemoryStateStore);
    expect(secrets.length).toBeGreaterThan(10);
    // Act
    for (const text of ["status prod", "history prod --limit 50", "diff prod ~2 latest", "diff staging", "diff big", "status big"]) await command(handle, text);
    await handle.drain();
    // Assess
    const sent = everythingSent();
    expect(api.responses.length + api.callsTo("chat.postMessage").length).toBe(6);
    for (const c of secrets) expect(sent).not.toContain(c);
  });

  it("takes, refuses and releases a deploy lock, and the Release button releases exactly that lease", async () => {
    // Prepare
    const { handle } = await serve();
    // Act
    await command(handle, "lock prod migrating orders --ttl 1h", { user: "U0ALICE" });
    await handle.drain();
    await command(handle, "lock prod me too", { user: "U0BOB" });
    await handle.drain();
    await command(handle, "unlock prod", { user: "U0BOB" });
    await handle.drain();
    const [taken, refused, notYours] = api.responses.map((r) => JSON.stringify(r.body));
    const button = (api.responses[0]!.body.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((b) => b.type === "actions")!.elements![0]!;
    const click = buttonClickBody({ actionId: button.action_id, value: button.value, responseUrl: api.responseUrl(), user: "U0ALICE" });
    const clickRes = await post(handle, click, signedHeaders(SIGNING_SECRET, click));
    await handle.drain();
    await command(handle, "locks");
    await handle.drain();
    // Assess
    expect(taken).toContain("locked by <@U0ALICE>");
    expect(taken).toContain("migrating orders");
    expect(refused).toContain("already locked by <@U0ALICE>");
    expect(notYours).toContain("not yours to release");
    expect(button.action_id).toBe(LOCK_RELEASE_ACTION_ID);
    expect(clickRes.status).toBe(200);
    expect(JSON.stringify(api.responses[3]!.body)).toContain("unlocked by <@U0ALICE>");
    expect(JSON.stringify(api.responses[4]!.body)).toContain("No deploy lock is held");
  });
});

describe("serve without a signing secret", () => {
  it("starts, prints how to set up the Slack app and refuses requests with 401", async () => {
    // Prepare
    const { handle, printed, deps } = await serve({}, { signingSecret: undefined });
    // Act
    const res = await command(handle, "status prod");
    // Assess
    expect(handle.mode).toBe("setup");
    expect(res.status).toBe(401);
    expect(printed.join("\n")).toContain("slack-app-manifest.yml");
    expect(printed.join("\n")).toContain("SLACK_SIGNING_SECRET");
    expect(api.calls).toEqual([]);
    expect((deps.store as MemoryStateStore).readKeys).toEqual([]);
  });
});
