/**
 * The diagnosis workflow's Lambda handlers (packages/functions/diagnose.ts): NotifyFailure must
 * reach the channel even when the state store cannot be built (e.g. the bucket lookup fails),
 * since that is exactly the failure it reports.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";

let api: FakeSlackApi;
const saved = { ...process.env };
beforeAll(async () => {
  api = await startFakeSlackApi({ token: "xoxb-test-token" });
  Object.assign(process.env, {
    SST_STATE_HOME: "aws",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    // nothing listens here: the /sst/bootstrap lookup fails, so no state store can be built
    AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:9",
    SLACK_BOT_TOKEN: "xoxb-test-token",
    SLACK_API_URL: `${api.url.replace(/\/$/, "")}/`,
    SST_STATE_PROBES: "false",
  });
  delete process.env.SST_STATE_BUCKET;
});
afterAll(async () => {
  process.env = saved;
  await api.close();
});

describe("diagnosis Lambda handlers", () => {
  it("NotifyFailure posts the failure even when the state store cannot be built", async () => {
    // Prepare
    const { notifyFailure } = await import("../../../functions/diagnose.ts");
    const event = {
      app: "shop",
      stage: "prod",
      slack: { channel: "C0PROD", ts: "1700000000.000100" },
      error: { Error: "StoreUnavailableError", Cause: JSON.stringify({ errorType: "StoreUnavailableError", errorMessage: "Could not read /sst/bootstrap." }) },
    };
    // Act
    const out = await notifyFailure(event);
    // Assess
    expect(out).toEqual({ posted: true });
    const updates = api.callsTo("chat.update");
    expect(updates).toHaveLength(1);
    expect(JSON.stringify(updates[0])).toContain("Could not read /sst/bootstrap.");
  }, 30_000);
});
