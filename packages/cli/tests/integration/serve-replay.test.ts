/**
 * A replay after a restart: Slack's ids are claimed in the embedded store behind `serve`, not in
 * its memory, so the same signed `restore` request sent again after `serve` restarted on the same
 * store (within Slack's 5-minute signature window) creates no second request.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { signedHeaders, slashCommandBody } from "@sst-state/test-kit/slack/sign";
import { runBin, spawnServe, tempDir } from "../helpers.ts";

const SECRET = "5a1d8e8888abcd99yyyzzz85a58f7422";
let slack: FakeSlackApi;
let cwd = "";
let env: Record<string, string> = {};

beforeAll(async () => {
  cwd = tempDir("sst-state-replay-");
  const home = join(cwd, "home");
  await writeLocalHome(home, generateHome({ app: "shop", seed: 4, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 20, deploys: 3 }] }).files);
  writeFileSync(join(cwd, "sst-state.json"), JSON.stringify({ app: "shop", stages: { "*": { channel: "C0DEPLOYS" } } }));
  slack = await startFakeSlackApi({ token: "xoxb-test" });
  env = { SST_STATE_DIR: home, SST_STATE_HOME: "local", SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: "xoxb-test", SLACK_API_URL: slack.url };
});
afterAll(async () => {
  await slack?.close();
});

async function requested(): Promise<number> {
  const audit = await runBin(["audit", "prod", "--json"], { cwd, env: { SST_STATE_DIR: env.SST_STATE_DIR } });
  return (JSON.parse(audit.stdout) as { entries: { action: string }[] }).entries.filter((e) => e.action === "restore.requested").length;
}

describe("serve: a replay after a restart", () => {
  it("the same signed restore request, sent again to a restarted serve on the same store, makes no second request", async () => {
    // Prepare: one signed request (its trigger_id is Slack's id), delivered once
    const body = slashCommandBody({ text: "restore prod ~1", responseUrl: slack.responseUrl("replay"), user: "U0ALICE", triggerId: "1111.2222.replay" });
    const headers = signedHeaders(SECRET, body);
    const first = await spawnServe(cwd, env);
    try {
      expect((await fetch(first.url, { method: "POST", headers, body })).status).toBe(200);
      await slack.waitFor(() => slack.callsTo("chat.postMessage").find((c) => JSON.stringify(c.args).includes("rr-")), 20_000);
    } finally {
      await first.stop();
    }
    const postsBefore = slack.callsTo("chat.postMessage").length;
    // Act: serve again on the same folder (the same .sst-state/db), and the same bytes again
    const second = await spawnServe(cwd, env);
    try {
      const replay = await fetch(second.url, { method: "POST", headers, body });
      expect(replay.status).toBe(200);
    } finally {
      // SIGTERM: serve drains its queue (the replay's job ran, or was dropped) before it exits
      await second.stop();
    }
    // Assess
    expect(await requested()).toBe(1);
    expect(slack.callsTo("chat.postMessage").length).toBe(postsBefore);
  }, 120_000);
});

