/**
 * Hostile input: signed garbage of every shape, sent to `sst-state serve` as users run it (the
 * built CLI as a child process, the real Bolt app over HTTP). After every request the process must
 * still be alive and have answered with a status below 500 (400 for what Slack never sends); a
 * good command must be answered after the storm.
 */
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { buttonClickBody, signedHeaders, slashCommandBody } from "@sst-state/test-kit/slack/sign";
import { spawnServe, tempDir } from "../helpers.ts";
import { createTally } from "./tally.ts";

const SECRET = "hostile-serve-signing-secret-0001";
let slack: FakeSlackApi;
let child: ChildProcess;
let url = "";
let serve: Awaited<ReturnType<typeof spawnServe>> | undefined;

beforeAll(async () => {
  const cwd = tempDir("sst-state-hostile-serve-");
  const home = join(cwd, "home");
  await writeLocalHome(home, generateHome({ app: "shop", seed: 5, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 20, deploys: 2 }] }).files);
  writeFileSync(join(cwd, "sst-state.json"), JSON.stringify({ app: "shop", stages: { "*": { channel: "C0DEPLOYS" } } }));
  slack = await startFakeSlackApi({ token: "xoxb-test" });
  serve = await spawnServe(cwd, { SST_STATE_DIR: home, SST_STATE_HOME: "local", SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: "xoxb-test", SLACK_API_URL: slack.url });
  child = serve.child;
  url = serve.url;
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  await slack?.close();
});

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const payload = (p: unknown) => form({ payload: JSON.stringify(p) });
function deep(n: number): string {
  return "[".repeat(n) + "]".repeat(n);
}

/** A valid button click with one field replaced by `value` (dotted path). */
function clickWith(path: string, value: unknown): string {
  const body = new URLSearchParams(buttonClickBody({ actionId: "lock_release", value: "shop/prod/1", responseUrl: slack.responseUrl("fuzz") }));
  const p = JSON.parse(body.get("payload")!) as Record<string, unknown>;
  const keys = path.split(".");
  let o: Record<string, unknown> = p;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[keys[keys.length - 1]!] = value;
  return payload(p);
}

/** Every shape: [name, body, content type]. */
function hostileBodies(): [string, string, string][] {
  const f = "application/x-www-form-urlencoded";
  const j = "application/json";
  const odd: unknown[] = [null, [], [null], 0, -1, 1e308, "", "x".repeat(5000), true, {}, { __proto__: { admin: true } }, { toString: 1 }, JSON.parse(deep(50))];
  const out: [string, string, string][] = [
    ["payload=null", "payload=null", f],
    ["payload=[]", "payload=%5B%5D", f],
    ["payload not JSON", "payload=%7Bnope", f],
    ["payload deep", `payload=${encodeURIComponent(deep(100_000))}`, f],
    ["json null", "null", j],
    ["json []", "[]", j],
    ["json string", '"x"', j],
    ["json broken", "{", j],
    ["json deep", deep(100_000), j],
    ["json url_verification without challenge", '{"type":"url_verification"}', j],
    ["json __proto__", '{"__proto__":{"type":"x"},"constructor":{"prototype":{"polluted":1}}}', j],
    ["empty form", "", f],
    ["form junk", "a=1&b=2&&&=&%ZZ", f],
    ["command without slash", form({ command: "sst-state", text: "status prod", user_id: "U1", response_url: "https://hooks.slack.com/x" }), f],
    ["command without user", form({ command: "/sst-state", text: "status prod", response_url: "https://hooks.slack.com/x" }), f],
    ["command to a foreign response_url", form({ command: "/sst-state", text: "status prod", user_id: "U1", response_url: "http://169.254.169.254/latest" }), f],
    ["command with 100 KB text", form({ command: "/sst-state", text: "status " + "a".repeat(100_000), user_id: "U1", response_url: slack.responseUrl("fuzz") }), f],
    ["command with NUL and RTL", form({ command: "/sst-state", text: "status pr\u0000od\u202e", user_id: "U1", response_url: slack.responseUrl("fuzz") }), f],
    ["view_submission", payload({ type: "view_submission", user: { id: "U1" } }), f],
    ["shortcut", payload({ type: "shortcut", callback_id: "x" }), f],
    ["unknown type", payload({ type: 12 }), f],
  ];
  for (const [i, v] of odd.entries()) {
    out.push([`payload odd #${i}`, payload(v), f]);
    out.push([`actions=${i}`, clickWith("actions", v), f]);
    out.push([`actions[0]=${i}`, clickWith("actions.0", v), f]);
    out.push([`action value=${i}`, clickWith("actions.0.value", v), f]);
    out.push([`action_id=${i}`, clickWith("actions.0.action_id", v), f]);
    out.push([`user=${i}`, clickWith("user", v), f]);
    out.push([`channel=${i}`, clickWith("channel", v), f]);
    out.push([`container=${i}`, clickWith("container", v), f]);
    out.push([`response_url=${i}`, clickWith("response_url", v), f]);
    out.push([`json odd #${i}`, JSON.stringify(v) ?? "", j]);
  }
  return out;
}

async function send(body: string, contentType: string): Promise<number> {
  const headers = signedHeaders(SECRET, body, { contentType });
  const res = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(10_000) });
  await res.text();
  return res.status;
}

async function goodCommandAnswered(): Promise<boolean> {
  const body = slashCommandBody({ text: "help", responseUrl: slack.responseUrl("good") });
  const res = await fetch(url, { method: "POST", headers: signedHeaders(SECRET, body), body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return res.status === 200 && text.includes("status");
}

describe("hostile: signed fuzz through the real Bolt app", () => {
  it("answers every signed garbage body below 500 without dying, and the next good request after each", async () => {
    // Prepare
    const tally = createTally("serve fuzz");
    const bodies = hostileBodies();
    // Act
    for (const [name, body, type] of bodies) {
      let status = 0;
      try {
        status = await send(body, type);
      } catch {
        status = -1; // connection reset / timeout: the process died or hung
      }
      const alive = child.exitCode === null && child.signalCode === null;
      const next = alive && (await goodCommandAnswered().catch(() => false));
      tally.record(status >= 200 && status < 500 && alive && next, `${name} → ${status}${alive ? "" : " (serve died)"}`);
    }
    tally.report();
    // Assess
    expect(tally.lost).toEqual([]);
    expect(tally.tries).toBe(bodies.length);
    expect(child.exitCode).toBeNull();
  }, 120_000);

  it("answers 400 to a signed payload=null, JSON null and actions: null (shapes Slack never sends)", async () => {
    // Act
    const statuses = [await send("payload=null", "application/x-www-form-urlencoded"), await send("null", "application/json"), await send(clickWith("actions", null), "application/x-www-form-urlencoded")];
    // Assess
    expect(statuses).toEqual([400, 400, 400]);
    expect(await goodCommandAnswered()).toBe(true);
  });

  it("still refuses garbage without a valid signature with 401", async () => {
    // Act
    const res = await fetch(url, { method: "POST", headers: signedHeaders("wrong-secret", "payload=null"), body: "payload=null" });
    // Assess
    expect(res.status).toBe(401);
  });
});
