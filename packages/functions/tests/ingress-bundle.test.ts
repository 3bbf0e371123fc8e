/**
 * The ingress Lambda as deployed: the esbuild bundle (packages/functions/dist/ingress.mjs, built by
 * `npm test`'s pretest) in a fresh `node`, with Bolt's other receivers and their packages stubbed out
 * (scripts/ingress-plugins.mjs). A signed slash command must be acked and handed to the worker
 * through the Lambda Invoke API (a local stand-in); an unsigned one refused. Guards the stubs: a
 * stubbed module the ack's path needs would fail here. The Web API is one of them
 * (ingress-web-api.ts: a client whose every member throws; Bolt's error handler would log the throw
 * and still answer 200), so every listener path (a handed-off command, answers given in the ack, a
 * button, a hand-off that fails and is told through response_url) is also checked to log no error.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buttonClickBody, signedHeaders, slashCommandBody } from "@sst-state/test-kit/slack/sign";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { LAZY_BUILTINS, READ_LAZY_BUILTIN } from "@sst-state/test-kit/lazy-builtins";

const BUNDLE = fileURLToPath(new URL("../dist/ingress.mjs", import.meta.url));
const SECRET = "bundle-test-signing-secret";


let api: FakeSlackApi;
const invokes: { path: string; headers: Record<string, unknown>; body: string }[] = [];
const lambda = createServer((req, res) => {
  let body = "";
  req.on("data", (d: Buffer) => (body += d.toString()));
  req.on("end", () => {
    invokes.push({ path: req.url ?? "", headers: req.headers, body });
    res.writeHead(202, { "content-type": "application/json" });
    res.end();
  });
});
beforeAll(async () => {
  api = await startFakeSlackApi({ token: "xoxb-bundle" });
  await new Promise<void>((r) => lambda.listen(0, "127.0.0.1", r));
});
afterAll(async () => {
  await api.close();
  await new Promise<void>((r) => lambda.close(() => r()));
});

/** Runs the bundle's handler on one Function URL event in a fresh node; its answer. */
function callBundle(event: object, extraEnv: Record<string, string> = {}): Promise<{ statusCode: number; body?: string; lazyLoaded: string[]; parseArgsLoaded: boolean; stderr: string }> {
  const script = `const { handler } = await import(${JSON.stringify(BUNDLE)});
const res = await handler(JSON.parse(process.env.EVENT), {});
// which of the modules that only a built-in's lazy getters load Node loaded: an ES module import of the built-in runs them all
// (scripts/ingress-plugins.mjs builtinsAsCommonJs); process.moduleLoadList is Node 20's undocumented list of built-ins,
// "NativeModule <id>" each (lib/internal/bootstrap/realm.js compileForInternalLoader)
const lazy = ${JSON.stringify(LAZY_BUILTINS)}.filter((id) => process.moduleLoadList.includes("NativeModule " + id));
// (and one that the ingress does read, util.parseArgs: that the list names it shows the ids are still Node's)
const parseArgsLoaded = process.moduleLoadList.includes("NativeModule ${READ_LAZY_BUILTIN}");
process.stdout.write(JSON.stringify({ ...res, lazyLoaded: lazy, parseArgsLoaded }));`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: {
        PATH: process.env.PATH,
        EVENT: JSON.stringify(event),
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_BOT_TOKEN: "xoxb-bundle",
        SLACK_API_URL: api.url,
        SST_STATE_WORKER_FUNCTION: "sst-state-test-SlackWorker",
        AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        ...extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("close", (code) => {
      try {
        resolve({ ...(JSON.parse(out) as { statusCode: number; body?: string; lazyLoaded: string[]; parseArgsLoaded: boolean }), stderr: err });
      } catch {
        reject(new Error(`the bundle printed no answer (exit ${code}): ${err.slice(0, 800)}`));
      }
    });
  });
}

function event(body: string, headers: Record<string, string>): object {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/slack/events",
    rawQueryString: "",
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    requestContext: { http: { method: "POST", path: "/slack/events" } },
    body: Buffer.from(body).toString("base64"),
    isBase64Encoded: true,
  };
}

describe("ingress bundle (dist/ingress.mjs)", () => {
  it("acks a signed command and invokes the worker once, asynchronously", async () => {
    // Prepare
    expect(existsSync(BUNDLE)).toBe(true);
    invokes.length = 0;
    const body = slashCommandBody({ text: "status prod", responseUrl: api.responseUrl() });
    // Act
    const res = await callBundle(event(body, signedHeaders(SECRET, body)));
    // Assess
    expect(res.statusCode).toBe(200);
    expect(invokes).toHaveLength(1);
    expect(invokes[0]!.path).toContain("/functions/sst-state-test-SlackWorker/invocations");
    expect(String(invokes[0]!.headers["x-amz-invocation-type"])).toBe("Event");
    expect(invokes[0]!.body).toContain("status prod");
    expect(res.stderr).not.toMatch(/has no Web API client|bolt error/);
    // ... and its cold start ran no built-in's lazy getters (`process.report` alone is ~7 ms)
    expect(res.lazyLoaded).toEqual([]);
    expect(res.parseArgsLoaded).toBe(true);
  }, 60_000);

  it.each([
    ["help", /\/sst-state status/],
    ["stauts prod", /Did you mean `\/sst-state status prod`\?/],
  ])("answers `%s` in the ack itself, handing nothing off and logging no error", async (text, answer) => {
    // Prepare
    invokes.length = 0;
    api.reset();
    const body = slashCommandBody({ text, responseUrl: api.responseUrl() });
    // Act
    const res = await callBundle(event(body, signedHeaders(SECRET, body)));
    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(answer);
    expect(invokes).toEqual([]);
    expect(res.stderr).not.toMatch(/has no Web API client|bolt error/);
  }, 60_000);

  it("acks a button click and hands it off, logging no error", async () => {
    // Prepare
    invokes.length = 0;
    api.reset();
    const body = buttonClickBody({ actionId: "lock_release", value: "shop/prod#3", responseUrl: api.responseUrl() });
    // Act
    const res = await callBundle(event(body, signedHeaders(SECRET, body)));
    // Assess
    expect(res.statusCode).toBe(200);
    expect(invokes).toHaveLength(1);
    expect(JSON.parse(invokes[0]!.body)).toMatchObject({ kind: "action", actionId: "lock_release", command: "shop/prod#3" });
    expect(res.stderr).not.toMatch(/has no Web API client|bolt error/);
  }, 60_000);

  it("tells the user through response_url when the hand-off fails, logging no other error", async () => {
    // Prepare: a Lambda endpoint where nothing listens
    invokes.length = 0;
    api.reset();
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, "127.0.0.1", r));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((r) => gone.close(() => r()));
    const body = slashCommandBody({ text: "status prod", responseUrl: api.responseUrl("handoff") });
    // Act
    const res = await callBundle(event(body, signedHeaders(SECRET, body)), { AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${port}` });
    // Assess
    expect(res.statusCode).toBe(200);
    expect(api.responses.map((r) => JSON.stringify(r.body))).toEqual([expect.stringContaining("could not be handed to the worker")]);
    expect(res.stderr).not.toMatch(/has no Web API client|bolt error/);
  }, 60_000);

  it("refuses a request with a wrong signature and invokes nothing", async () => {
    // Prepare
    invokes.length = 0;
    const body = slashCommandBody({ text: "status prod", responseUrl: api.responseUrl() });
    // Act
    const res = await callBundle(event(body, signedHeaders("another-secret", body)));
    // Assess
    expect(res.statusCode).toBe(401);
    expect(invokes).toHaveLength(0);
  }, 60_000);
});
