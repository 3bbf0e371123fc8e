/**
 * How `sst-state serve` stops (the built CLI, a child process): at once when nothing runs, and
 * within its grace period (SST_STATE_STOP_GRACE) or on a second signal when a job waits on a Slack
 * that does not answer, saying what it left. Slack here answers the Web API (auth.test at start)
 * and holds every response_url post open without answering, as an unreachable Slack does.
 */
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { signedHeaders, slashCommandBody } from "@sst-state/test-kit/slack/sign";
import { runBin, spawnServe, tempDir } from "../helpers.ts";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
let slack: Server;
let slackUrl = "";
const held: ServerResponse[] = [];
const heldWaiters: (() => void)[] = [];
let cwd = "";

beforeAll(async () => {
  // Prepare: a home with one stage, and a Slack whose response_url never answers.
  cwd = tempDir("sst-state-serve-stop-");
  await writeLocalHome(join(cwd, "home"), generateHome({ app: "shop", seed: 5, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 20, deploys: 2 }] }).files);
  writeFileSync(join(cwd, "sst-state.json"), JSON.stringify({ app: "shop", stages: { "*": { channel: "C0DEPLOYS" } } }));
  slack = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if ((req.url ?? "").startsWith("/response/")) {
      held.push(res);
      for (const w of heldWaiters.splice(0)) w();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, user_id: "U0BOT", bot_id: "B0BOT", team_id: "T0TEAM" }));
  });
  await new Promise<void>((r) => slack.listen(0, "127.0.0.1", r));
  slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/api/`;
}, 60_000);

afterAll(async () => {
  for (const res of held) res.destroy();
  slack.closeAllConnections();
  await new Promise((r) => slack.close(r));
});

const serveEnv = (grace: string) => ({
  SST_STATE_DIR: join(cwd, "home"),
  SST_STATE_HOME: "local",
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_BOT_TOKEN: "xoxb-test",
  SLACK_API_URL: slackUrl,
  SST_STATE_STOP_GRACE: grace,
});

/** A signed `/sst-state status prod` whose answer goes to the response_url that never answers; resolves once the job is posting it. */
async function startHangingJob(url: string): Promise<void> {
  const before = held.length;
  const posted = new Promise<void>((resolve) => {
    const check = () => (held.length > before ? resolve() : heldWaiters.push(check));
    check();
  });
  const body = slashCommandBody({ text: "status prod", responseUrl: `${slackUrl.replace(/api\/$/, "")}response/${Math.random().toString(36).slice(2)}` });
  const res = await fetch(url, { method: "POST", headers: signedHeaders(SECRET, body), body });
  expect(res.status).toBe(200);
  await posted;
}

const children: ChildProcess[] = [];

/** The child's output until it includes `text` (polls: serve's output arrives in pieces). */
function waitForOutput(output: () => string, text: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const check = () => (output().includes(text) ? resolve() : setTimeout(check, 20));
    check();
  });
}

/** spawnServe, and the child killed after the test whatever happens */
async function spawnReady(env: NodeJS.ProcessEnv) {
  const serve = await spawnServe(cwd, env);
  children.push(serve.child);
  return serve;
}

/** The exit code (null when a signal ended the child). */
function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code))));
}

/** Send `signal` and wait for the exit: its code, and the milliseconds from the signal to the exit. */
async function signalAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  child.kill(signal);
  const code = await exited(child);
  return { code, ms: Date.now() - started };
}

afterEach(() => {
  // a failed test must not leave a serve behind (one waits ten minutes)
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

describe("sst-state serve stopping", () => {
  it("stops at once, with code 0, when nothing is running", async () => {
    const serve = await spawnReady(serveEnv("30s"));
    const { code, ms } = await signalAndWait(serve.child, "SIGTERM");
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(serve.output()).toContain("stopping…");
    expect(serve.output()).not.toContain("stopped after");
  }, 60_000);

  it("ends the local Slack page's event stream, so a page left open does not hold the stop", async () => {
    // Prepare: no Slack credentials (the local Slack page), and a page's event stream held open
    const serve = await spawnReady({ SST_STATE_DIR: join(cwd, "home"), SST_STATE_HOME: "local", SST_STATE_STOP_GRACE: "30s" });
    const origin = new URL(serve.url).origin;
    const stream = await new Promise<IncomingMessage>((resolve, reject) => get(`${origin}/playground/events`, resolve).on("error", reject));
    expect(stream.statusCode).toBe(200);
    const ended = new Promise<void>((resolve) => stream.on("close", () => resolve()).resume());
    // Act
    const { code, ms } = await signalAndWait(serve.child, "SIGTERM");
    // Assess: a clean stop at once, not the grace period and a message about Slack
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    await ended;
    expect(serve.output()).not.toContain("stopped after");
  }, 60_000);

  it("stops after its grace period when a job waits on Slack, and says what it left", async () => {
    // Prepare: a job that is posting its answer to a Slack that does not answer
    const serve = await spawnReady(serveEnv("1s"));
    await startHangingJob(serve.url);
    // Act
    const { code, ms } = await signalAndWait(serve.child, "SIGTERM");
    // Assess: the grace period, not the responder's 10 s timeout nor the Web API's retries
    expect(code).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(8_000);
    expect(serve.output()).toContain("stopping… (1 still running: waiting up to 1s; Ctrl-C again stops at once)");
    expect(serve.output()).toContain(
      "stopped after 1s, before 1 Slack request had finished (is Slack reachable?). What it would have posted to Slack is not posted: ask again in Slack.",
    );
  }, 60_000);

  it("takes one Ctrl-C delivered twice (the terminal's and npm's copy) as one", async () => {
    const serve = await spawnReady(serveEnv("1s"));
    await startHangingJob(serve.url);
    serve.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 30));
    serve.child.kill("SIGINT");
    const code = await exited(serve.child);
    expect(code).toBe(1);
    expect(serve.output()).toContain("stopped after 1s, before 1 Slack request had finished");
    expect(serve.output()).not.toContain("on a second");
  }, 60_000);

  it("stops on a second signal without waiting out the grace period", async () => {
    const serve = await spawnReady(serveEnv("10m"));
    await startHangingJob(serve.url);
    serve.child.kill("SIGTERM");
    await waitForOutput(serve.output, "waiting up to 10m");
    await new Promise((r) => setTimeout(r, 1_100)); // a second Ctrl-C, not the first one twice
    const { code, ms } = await signalAndWait(serve.child, "SIGINT");
    expect(code).toBe(1);
    expect(ms).toBeLessThan(8_000);
    expect(serve.output()).toContain("stopped on a second SIGINT, before 1 Slack request had finished");
  }, 60_000);

  it("refuses a grace period (or feed interval) that is not a duration, or longer than a timer can wait, when it starts", async () => {
    const graces = ["soon", "30d", "0s"];
    const runs = await Promise.all(graces.map((grace) => runBin(["serve", "--port", "0"], { cwd, env: serveEnv(grace), timeoutMs: 10_000 })));
    runs.forEach((r, i) => {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`SST_STATE_STOP_GRACE must be a duration from 1ms to 24d, not "${graces[i]}".`);
    });
    // ... as the deploy feed's poll interval is (0 would poll without a pause, 30d at once)
    const intervals = ["0s", "30d"];
    const feed = await Promise.all(intervals.map((interval) => runBin(["serve", "--port", "0"], { cwd, env: { ...serveEnv("1s"), SST_STATE_FEED_INTERVAL: interval }, timeoutMs: 10_000 })));
    feed.forEach((r, i) => {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`SST_STATE_FEED_INTERVAL must be a duration from 1ms to 24d, not "${intervals[i]}".`);
    });
  }, 30_000);
});
