/**
 * The Slack bot on a git home: `serve` with SST_STATE_HOME=git and SST_STATE_DIR in a fresh clone
 * of a repository that keeps `infra/state/app/prod.json` (the flat copy pipelines commit). History
 * lists the commits, diff takes a sha prefix and `~N`, and a lock taken in Slack is the lock ref
 * on the remote that `run --git` in CI honours. Signed requests, a local fake of Slack's Web API.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createGitLockStore } from "@sst-state/adapters/git-lock-store";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { signedHeaders, slashCommandBody } from "@sst-state/test-kit/slack/sign";
import { gitIn } from "@sst-state/test-kit/git-repo";
import { spawnServe } from "../helpers.ts";
import { createPushedStateRepo, pipeline, type StateRepo } from "./git-pipelines.ts";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
let repo: StateRepo;
let clone: string;
let slack: FakeSlackApi;
let serve: Awaited<ReturnType<typeof spawnServe>>;

beforeAll(async () => {
  repo = await createPushedStateRepo();
  const bot = await pipeline(repo, "bot");
  clone = bot.clone;
  slack = await startFakeSlackApi({ token: "xoxb-test" });
  serve = await spawnServe(clone, {
    ...bot.env,
    SST_STATE_HOME: "git",
    SST_STATE_DIR: join(clone, "infra", "state"),
    SST_STATE_CONFIG_JSON: JSON.stringify({ stages: { "*": { channel: "C0DEPLOYS" } } }),
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: "xoxb-test",
    SLACK_API_URL: slack.url,
  });
});

afterAll(async () => {
  await serve?.stop();
  await slack?.close();
  await rm(repo.base, { recursive: true, force: true });
});

/** post a signed `/sst-state <text>` and wait for the answer on its response_url */
async function ask(text: string, user = "U0ALICE"): Promise<string> {
  const id = `r${Math.random().toString(36).slice(2)}`;
  const body = slashCommandBody({ text, responseUrl: slack.responseUrl(id), user });
  const res = await fetch(serve.url, { method: "POST", headers: signedHeaders(SECRET, body), body });
  expect(res.status).toBe(200);
  // the first answer is the "working…" ack; wait for the one after it
  const answer = await slack.waitFor(() => slack.responses.filter((r) => r.id === id).find((r) => !/working/i.test(JSON.stringify(r.body))), 60_000);
  return JSON.stringify(answer.body);
}

describe("serve on a git home", () => {
  it("answers history with the commits, and diff by sha prefix and ~N", async () => {
    // Prepare
    const first = (await gitIn(clone).text(["log", "--format=%H", "--reverse", "--", "infra/state/app/prod.json"])).split("\n")[0]!;
    // Act
    const history = await ask("history prod");
    const bySha = await ask(`diff prod ${first.slice(0, 8)} latest`);
    const byN = await ask("diff prod ~2 ~1");
    // Assess
    expect(history).toContain("deploy prod #3");
    expect(history).toContain("deploy prod #1");
    expect(history).toContain(first.slice(0, 7));
    expect(bySha).toMatch(/2 added/);
    expect(byN).toMatch(/1 added/);
  });

  it("takes a lock from Slack as the lock ref on the remote, which a CI `run --git` then finds held", async () => {
    // Act
    const locked = await ask("lock prod db migration", "U0BOB");
    const lease = await createGitLockStore({ git: gitIn(clone) }).get("shop", "prod", Date.now());
    const ci = await pipeline(repo, "ci");
    const blocked = await ci.run(["--holder", "ci-job", "--json"], ["shop", "prod", join(repo.base, "unused"), "blocked"]);
    // Assess
    expect(locked).toMatch(/locked/i);
    expect(lease).toMatchObject({ app: "shop", stage: "prod", holder: "U0BOB", reason: "db migration" });
    expect(blocked.code).toBe(1);
    expect(JSON.parse(blocked.stdout)).toMatchObject({ acquired: false, lock: { holder: "U0BOB" } });
  });
});
