/**
 * The real Bolt app over Socket Mode (startServe with an app token), connected to a Slack end
 * that speaks the WebSocket protocol: envelopes of shapes Slack never sends are refused by the same
 * request guard as HTTP requests (and acknowledged, so Slack would not resend them), and the bot
 * goes on answering the next good command.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogLevel } from "@slack/bolt";
import { startServe, type ServeHandle } from "../../receivers/serve.ts";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { startFakeSocketMode, type FakeSocketMode } from "@sst-state/test-kit/slack/fake-socket-mode";
import { BOT_TOKEN, botDeps, quietLog } from "../helpers.ts";

let api: FakeSlackApi;
let slack: FakeSocketMode;
let handle: ServeHandle;

beforeAll(async () => {
  api = await startFakeSlackApi({ token: BOT_TOKEN });
  slack = await startFakeSocketMode({ forwardTo: api.origin });
  handle = await startServe({
    deps: botDeps(api, { log: quietLog }),
    appToken: "xapp-1-test",
    botToken: BOT_TOKEN,
    slackApiUrl: slack.url,
    botId: "B0BOT",
    botUserId: "U0BOT",
    print: () => {},
    logLevel: LogLevel.ERROR,
  });
  await slack.connected();
});
afterAll(async () => {
  await handle?.close();
  await slack?.close();
  await api?.close();
});

const slashCommand = (text: string, responseUrl = api.responseUrl()) => ({
  command: "/sst-state",
  text,
  user_id: "U0ALICE",
  user_name: "alice",
  channel_id: "C0DEPLOYS",
  team_id: "T0TEAM",
  trigger_id: "1.2.3",
  response_url: responseUrl,
});

const HOSTILE: [string, unknown][] = [
  ["events_api with a null payload", { type: "events_api", envelope_id: "bad-1", payload: null }],
  ["slash_commands with a null payload", { type: "slash_commands", envelope_id: "bad-2", payload: null }],
  ["slash_commands with an array payload", { type: "slash_commands", envelope_id: "bad-3", payload: [] }],
  ["block_actions with actions: null", { type: "interactive", envelope_id: "bad-4", payload: { type: "block_actions", user: { id: "U0ALICE" }, actions: null } }],
  ["an interactive payload of another type", { type: "interactive", envelope_id: "bad-5", payload: { type: "view_submission" } }],
  ["a slash command whose text is an object", { type: "slash_commands", envelope_id: "bad-6", payload: { ...slashCommand("x", "http://127.0.0.1:9/response"), text: { toString: 1 } } }],
  ["an envelope of an unknown type", { type: "surprise", envelope_id: "bad-7", payload: {} }],
];

describe("serve over Socket Mode: the request guard", () => {
  it("refuses and acknowledges every envelope of a shape Slack never sends, then answers a good command", async () => {
    // Act
    for (const [, message] of HOSTILE) slack.send(message);
    for (const raw of ["null", "[]", "not json", JSON.stringify({ type: "slash_commands", payload: slashCommand("help") })]) slack.send(raw);
    slack.send({ type: "slash_commands", envelope_id: "good-1", payload: slashCommand("help") });
    const good = (await slack.waitForAck("good-1")) as { text?: string };
    const refused = await Promise.all(HOSTILE.map(([, m]) => slack.waitForAck((m as { envelope_id: string }).envelope_id)));
    // Assess
    expect(good.text).toContain("/sst-state");
    expect(refused).toEqual(HOSTILE.map(() => ({})));
    const warnings = quietLog.lines.filter((l) => l.message.startsWith("refused a Socket Mode message"));
    expect(warnings.length).toBe(HOSTILE.length + 4);
    expect(quietLog.lines.filter((l) => l.level === "error")).toEqual([]);
  });
});
