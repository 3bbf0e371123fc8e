/** The worker and the listeners as plain functions (no Bolt): dispatch, extension points, delivery. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "@sst-state/core/config";
import { handleCommand } from "../../dispatch.ts";
import { createResponder, ResponseUrlError } from "@sst-state/adapters/slack-response-url";
import { runJob } from "../../worker.ts";
import type { Reply } from "../../render/types.ts";
import type { VerbHandler } from "../../verbs/index.ts";
import type { SlackJob } from "../../jobs.ts";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { BOT_TOKEN, botDeps, memoryLocker } from "../helpers.ts";

let api: FakeSlackApi;
beforeAll(async () => {
  api = await startFakeSlackApi({ token: BOT_TOKEN });
});
afterAll(async () => {
  await api.close();
});

async function run(text: string, over: Parameters<typeof botDeps>[1] = {}): Promise<Reply> {
  const replies: Reply[] = [];
  await handleCommand({ command: { text, user: "U0ALICE", channel: "C0DEPLOYS" }, respond: async (r) => void replies.push(r), deps: botDeps(api, over) });
  return replies[0]!;
}

describe("handleCommand", () => {
  it("a bot without a diagnosis workflow or an approvals table says so, and how to set them up", async () => {
    // Act (the helper's bot has neither, as a worker deployed without them)
    const diagnose = await run("diagnose prod");
    const restore = await run("restore prod previous");
    // Assess
    expect(diagnose.visibility).toBe("ephemeral");
    expect(JSON.stringify(diagnose.message)).toContain("SST_STATE_STATE_MACHINE_ARN");
    expect(JSON.stringify(diagnose.message)).toContain("sst-state diagnose");
    expect(JSON.stringify(restore.message)).toContain("SST_STATE_TABLE");
  });

  it("runs the verb handler of deps.verbs (how diagnose and restore are wired)", async () => {
    // Prepare
    const diagnose: VerbHandler<"diagnose"> = async ({ command }) => ({
      visibility: "in_channel",
      message: { text: `diagnosed ${command.target.stage}`, blocks: [] },
    });
    // Act
    const reply = await run("diagnose staging", { verbs: { ...botDeps(api).verbs, diagnose } });
    // Assess
    expect(reply).toEqual({ visibility: "in_channel", message: { text: "diagnosed staging", blocks: [] } });
  });

  it("says locks are not configured when there is no lock store", async () => {
    const reply = await run("lock prod deploying", { locks: undefined, locker: undefined });
    expect(JSON.stringify(reply.message)).toContain("Deploy locks are not configured");
    expect(JSON.stringify(reply.message)).toContain("SST_STATE_TABLE");
  });

  it("refuses to lock a stage that has no state, suggesting the closest", async () => {
    const reply = await run("lock prdo deploying");
    expect(JSON.stringify(reply.message)).toContain("Did you mean `prod`?");
  });

  it("announces lock changes through the locker's onEvent when configured", async () => {
    // Prepare
    const events: string[] = [];
    // Act
    await run("lock prod hotfix", memoryLocker({ onEvent: (e) => void events.push(e.type) }));
    // Assess
    expect(events).toEqual(["acquired"]);
  });

  it("answers quietly (ephemeral) when the stage has a channel where the lock is announced", async () => {
    const reply = await run("lock prod hotfix", { config: parseConfig(JSON.stringify({ app: "shop", stages: { prod: { channel: "C0PROD" } } })) });
    expect(reply.visibility).toBe("ephemeral");
  });
});

describe("runJob", () => {
  const job = (over: Partial<SlackJob> = {}): SlackJob => ({
    kind: "command",
    command: "status dev",
    responseUrl: api.responseUrl(),
    channel: "C0DEPLOYS",
    user: "U0ALICE",
    teamId: "T0TEAM",
    triggerId: `t-${Math.random()}`,
    ...over,
  });

  it("runs a job once per trigger_id", async () => {
    // Prepare
    const deps = botDeps(api);
    const j = job();
    // Act
    const first = await runJob(j, deps);
    const second = await runJob({ ...j, retryNum: 2 }, deps);
    // Assess
    expect(first.status).toBe("done");
    expect(second.status).toBe("duplicate");
  });

  it("still answers when the de-duplication store is down", async () => {
    // Prepare
    const before = api.responses.length;
    const deps = botDeps(api, { idempotency: { claim: async () => Promise.reject(new Error("table gone")) } });
    // Act
    const outcome = await runJob(job(), deps);
    // Assess
    expect(outcome.status).toBe("done");
    expect(api.responses.length).toBe(before + 1);
  });
});

describe("createResponder", () => {
  it("posts only to Slack's hosts and the configured API origin", async () => {
    // Prepare
    const respond = createResponder({ allowOrigins: [api.origin] });
    // Act / Assess
    await expect(respond("https://attacker.example/collect", { text: "x" })).rejects.toBeInstanceOf(ResponseUrlError);
    await expect(respond("not a url", { text: "x" })).rejects.toBeInstanceOf(ResponseUrlError);
    await expect(respond(api.responseUrl("ok"), { text: "x" })).resolves.toBeUndefined();
  });
});
