/**
 * `sst-state serve` as a user runs it (the built CLI, a child process) with a local home and the
 * embedded store, Slack's Web API replaced by a local fake (SLACK_API_URL), and requests signed
 * the way Slack signs them.
 */
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { buttonClickBody, signedHeaders, slashCommandBody } from "@sst-state/test-kit/slack/sign";
import { runBin, spawnServe, tempDir } from "../helpers.ts";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
let slack: FakeSlackApi;
let child: ChildProcess;
let url = "";
let output = "";
let cwd = "";
let home = "";

beforeAll(async () => {
  // Prepare: a home with an interrupted prod, a policy file, the fake Slack API, then serve.
  cwd = tempDir("sst-state-serve-");
  home = join(cwd, "home");
  await writeLocalHome(home, generateHome({ app: "shop", seed: 3, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 60, deploys: 3, interrupted: true }, { name: "dev", resources: 30, deploys: 2 }] }).files);
  writeFileSync(join(cwd, "sst-state.json"), JSON.stringify({ app: "shop", stages: { "*": { channel: "C0DEPLOYS" } } }));
  slack = await startFakeSlackApi({ token: "xoxb-test" });
  const serve = await spawnServe(cwd, {
    SST_STATE_DIR: home,
    SST_STATE_HOME: "local",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: "xoxb-test",
    SLACK_API_URL: slack.url,
  });
  child = serve.child;
  url = serve.url;
  output = serve.output();
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
  await slack?.close();
});

async function post(text: string, opts: { secret?: string; user?: string } = {}) {
  const id = `r${Math.random().toString(36).slice(2)}`;
  const body = slashCommandBody({ text, responseUrl: slack.responseUrl(id), ...(opts.user ? { user: opts.user } : {}) });
  const res = await fetch(url, { method: "POST", headers: signedHeaders(opts.secret ?? SECRET, body), body });
  return { res, id };
}

describe("sst-state serve", () => {
  it("answers a signed /sst-state status with the status card on the response_url", async () => {
    const { res, id } = await post("status prod");
    expect(res.status).toBe(200);
    const answer = await slack.waitFor(() => slack.responses.find((r) => r.id === id && JSON.stringify(r.body).includes("prod") && (r.body.blocks?.length ?? 0) > 1), 20_000);
    const text = JSON.stringify(answer.body);
    expect(text).toContain("sst unlock --stage prod");
    expect(text).toMatch(/pending/i);
  });

  it("keeps the local Slack page off with real Slack credentials, and says why at /", async () => {
    // Act
    const root = await fetch(new URL("/", url));
    const state = await fetch(new URL("/playground/state", url));
    // Assess: no page, no signing endpoint
    expect(root.status).toBe(200);
    expect(await root.text()).toContain("the local Slack page is off");
    expect(state.status).toBe(404);
    const signing = await fetch(new URL("/playground/command", url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: "U0ALICE", channel: "C0DEPLOYS", text: "/sst-state lock prod x" }) });
    expect(signing.status).not.toBe(200);
    expect(output).not.toContain("a local Slack stands in");
  });

  it("refuses a request with a bad signature: 401 and nothing posted", async () => {
    const before = slack.responses.length + slack.calls.length;
    const { res } = await post("status prod", { secret: "wrong-secret" });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.responses.length + slack.calls.length).toBe(before);
  });

  it("runs a diagnosis through the workflow and ends with the report in the channel", async () => {
    const { res } = await post("diagnose prod");
    expect(res.status).toBe(200);
    const queued = await slack.waitFor(() => slack.callsTo("chat.postMessage").find((c) => String(c.args.text).includes("queued")), 20_000);
    const report = await slack.waitFor(
      () => slack.callsTo("chat.update").find((c) => c.args.ts === queued.result?.ts && JSON.stringify(c.args).includes("pending-operations")),
      30_000,
    );
    expect(report.args.channel).toBe("C0DEPLOYS");
  });

  it("takes a deploy lock from Slack and announces it in the stage's channel", async () => {
    const { res, id } = await post("lock prod hotfix for checkout", { user: "U0BOB" });
    expect(res.status).toBe(200);
    await slack.waitFor(() => slack.responses.find((r) => r.id === id), 20_000);
    const announced = await slack.waitFor(
      () => slack.callsTo("chat.postMessage").find((c) => c.args.channel === "C0DEPLOYS" && JSON.stringify(c.args).includes("hotfix for checkout")),
      20_000,
    );
    expect(JSON.stringify(announced.args)).toContain("U0BOB");
  });

  it("announces a lock taken by the CLI in another process, through the shared embedded store", async () => {
    // Act: a second process (a terminal, a CI job on the same machine) takes the lock
    const r = await runBin(["lock", "dev", "--reason", "release 42 from the terminal", "--holder", "ci@runner", "--json"], {
      cwd,
      env: { SST_STATE_DIR: home, SST_STATE_HOME: "local" },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ acquired: true, lock: { stage: "dev", holder: "ci@runner" } });
    // Assess: the serve process saw the change in its store and announced it
    const announced = await slack.waitFor(
      () => slack.callsTo("chat.postMessage").find((c) => JSON.stringify(c.args).includes("release 42 from the terminal")),
      20_000,
    );
    expect(announced.args.channel).toBe("C0DEPLOYS");
  });

  it("the Release button releases the lock for its holder only", async () => {
    // Prepare: the announcement of U0BOB's lock on prod (previous test) carries the button
    const announced = slack.callsTo("chat.postMessage").find((c) => JSON.stringify(c.args).includes("hotfix for checkout"));
    const value = /"action_id":"lock_release".*?"value":"([^"]+)"/.exec(JSON.stringify(announced?.args.blocks))?.[1];
    expect(value).toMatch(/^shop\/prod\/\d+$/);
    const click = async (user: string) => {
      const id = `b${Math.random().toString(36).slice(2)}`;
      const body = buttonClickBody({ actionId: "lock_release", value: value!, responseUrl: slack.responseUrl(id), user });
      const res = await fetch(url, { method: "POST", headers: signedHeaders(SECRET, body), body });
      expect(res.status).toBe(200);
      return slack.waitFor(() => slack.responses.find((r) => r.id === id), 20_000);
    };
    const locks = async () => JSON.parse((await runBin(["locks", "--json"], { cwd, env: { SST_STATE_DIR: home, SST_STATE_HOME: "local" } })).stdout);

    // Act + Assess: someone else's click is refused and the lock stays
    const refused = await click("U0ALICE");
    expect(JSON.stringify(refused.body)).toContain("not yours to release");
    expect(JSON.stringify(await locks())).toContain("U0BOB");
    // the holder's click releases it
    const released = await click("U0BOB");
    expect(JSON.stringify(released.body)).toMatch(/unlocked/i);
    expect(JSON.stringify(await locks())).not.toContain("U0BOB");
    // the announcement itself is rewritten in place: no Release button, who released it, when
    const rewritten = await slack.waitFor(() => slack.callsTo("chat.update").find((c) => c.args.ts === announced!.result?.ts), 20_000);
    const now = JSON.stringify(rewritten.args.blocks);
    expect(rewritten.args.channel).toBe("C0DEPLOYS");
    expect(now).not.toContain("lock_release");
    expect(now).toMatch(/released by <@U0BOB> at <!date\^\d+\^/);
    expect(now).toContain("hotfix for checkout");
  });

  it("a lock broken from a terminal rewrites its announcement as a break: by whom, when, why", async () => {
    // Prepare: the CLI's lock on dev (announced in an earlier test)
    const announced = slack.callsTo("chat.postMessage").find((c) => JSON.stringify(c.args).includes("release 42 from the terminal"));
    expect(announced?.result?.ts).toBeTruthy();
    // Act
    const r = await runBin(["unlock", "dev", "--force", "--reason", "the CI run was cancelled"], { cwd, env: { SST_STATE_DIR: home, SST_STATE_HOME: "local", SST_STATE_USER: "carol@laptop" } });
    // Assess
    expect(r.code, r.stderr).toBe(0);
    const rewritten = await slack.waitFor(() => slack.callsTo("chat.update").find((c) => c.args.ts === announced!.result?.ts), 20_000);
    const now = JSON.stringify(rewritten.args.blocks);
    expect(now).not.toContain("lock_release");
    expect(now).toMatch(/broken by \S+ at <!date\^\d+\^/);
    expect(now).toContain("the CI run was cancelled");
  });

  it("answers a 5,000-character button value with a clear error: no raw store error, no server path", async () => {
    // Prepare: what a forged click can carry (Slack's own values are at most 2,000 characters)
    const values = ["x".repeat(5000), `rr-${"a".repeat(5000)}`, `shop/${"p".repeat(5000)}/7`, `${"a".repeat(5000)}/prod/7`];
    const actions = ["restore_approve", "restore_reject", "restore_undo", "lock_release"];
    for (const actionId of actions) {
      for (const value of values) {
        const id = `v${Math.random().toString(36).slice(2)}`;
        const body = buttonClickBody({ actionId, value, responseUrl: slack.responseUrl(id), user: "U0ALICE" });
        // Act
        const res = await fetch(url, { method: "POST", headers: signedHeaders(SECRET, body), body });
        const answer = await slack.waitFor(() => slack.responses.find((r) => r.id === id), 20_000);
        // Assess
        const text = JSON.stringify(answer.body);
        expect(res.status, `${actionId} ${value.slice(0, 12)}`).toBe(200);
        expect(answer.body.response_type ?? "ephemeral").toBe("ephemeral");
        expect(text, actionId).not.toMatch(/ValidationException|Something went wrong|key.*length|2048/i);
        expect(text, text.slice(0, 400)).toMatch(/not one sst-state made|does not name|no restore request|not locked|no longer held/i);
        expect(text).not.toContain(cwd);
      }
    }
  });

  it("never shows the server's absolute paths (home, state folder) in a status card or an error reply", async () => {
    // Act
    const answers = [];
    for (const text of ["status prod", "status nosuchstage", "history nosuchstage", "diff prod zzzz", "status nope/prod"]) {
      const { id } = await post(text);
      answers.push(await slack.waitFor(() => slack.responses.find((r) => r.id === id && !JSON.stringify(r.body).includes("working")), 20_000));
    }
    // Assess
    for (const a of answers) {
      const text = JSON.stringify(a.body);
      expect(text).not.toContain(home);
      expect(text).not.toContain(cwd);
    }
    expect(JSON.stringify(answers[0]!.body)).toContain("local home");
    expect(JSON.stringify(answers[1]!.body)).toContain("Stages of shop");
  });
});
