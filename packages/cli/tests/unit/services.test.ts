/**
 * The CLI's composition root: which home a command reads (DESIGN §4 SST_STATE_HOME default), and the
 * bot it builds for `serve`: the restore buttons run on the restore service they are handed.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RESTORE_APPROVE_ACTION_ID } from "@sst-state/core/restore";
import { startFakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { createServices } from "../../services.ts";
import { tempDir } from "../helpers.ts";

async function localHomeWith(app: string): Promise<string> {
  const root = tempDir("sst-state-svc-home-");
  await writeLocalHome(root, generateHome({ app, seed: 1, stages: [{ name: "prod", resources: 8, deploys: 2 }] }).files);
  return root;
}

const awsEnv = { SST_STATE_BUCKET: "sst-state-abcdefabcdef", AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" };

describe("services: choosing the home", () => {
  it("uses the app named in `<app>/<stage>` to choose the home: AWS when the local home lacks it", async () => {
    // Prepare: the local home has another app only
    const root = await localHomeWith("other");
    const services = createServices({ env: { ...awsEnv, SST_STATE_DIR: root }, cwd: tempDir() });
    // Act
    const target = await services.target("shop/prod");
    const store = await services.stateStore();
    // Assess
    expect(target).toEqual({ app: "shop", stage: "prod" });
    expect(store.home).toBe("aws");
  });

  it("uses the app of sst-state.json to choose the home", async () => {
    // Prepare
    const root = await localHomeWith("other");
    const cwd = tempDir();
    writeFileSync(join(cwd, "sst-state.json"), JSON.stringify({ app: "shop", stages: {} }));
    const services = createServices({ env: { ...awsEnv, SST_STATE_DIR: root }, cwd });
    // Act
    const target = await services.target("prod");
    const store = await services.stateStore();
    // Assess
    expect(target.app).toBe("shop");
    expect(store.home).toBe("aws");
  });

  it("still picks the local home when it has the app named in `<app>/<stage>`", async () => {
    const root = await localHomeWith("shop");
    const services = createServices({ env: { ...awsEnv, SST_STATE_DIR: root }, cwd: tempDir() });
    await services.target("shop/prod");
    expect((await services.stateStore()).home).toBe("local");
  });

  it("treats an empty SST_STATE_HOME as unset", async () => {
    // Prepare
    const root = await localHomeWith("shop");
    // Act
    const services = createServices({ env: { SST_STATE_HOME: "", SST_STATE_DIR: root }, cwd: tempDir() });
    // Assess
    expect((await services.stateStore()).home).toBe("local");
  });
});

describe("services: the bot's restore service", () => {
  it("runs Approve on the restore service handed to botDeps (serve's, which records this process as the runner)", async () => {
    // Prepare: a local home, the embedded table, a policy with an approver, Slack at the local fake
    const slack = await startFakeSlackApi({ token: "xoxb-svc-test" });
    const root = tempDir("sst-state-svc-home-");
    await writeLocalHome(root, generateHome({ app: "shop", seed: 3, stages: [{ name: "prod", resources: 8, deploys: 3 }] }).files);
    const cwd = tempDir();
    writeFileSync(join(cwd, "sst-state.json"), JSON.stringify({ app: "shop", stages: { prod: { approvers: ["U0BOB"] } } }));
    const services = createServices({ env: { SST_STATE_HOME: "local", SST_STATE_DIR: root, SLACK_BOT_TOKEN: "xoxb-svc-test", SLACK_API_URL: slack.url }, cwd });
    try {
      const runner = { host: "svc-test-host", pid: 424242 };
      const service = await services.restoreService({ runner });
      const deps = await services.botDeps({ restoreService: service });
      const { request } = await service.request({ app: "shop", stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack", channel: "C0PROD" });
      // Act: Bob clicks Approve
      const reply = await deps.actions[RESTORE_APPROVE_ACTION_ID]!({ actionId: RESTORE_APPROVE_ACTION_ID, value: request.id, user: "U0BOB", channel: "C0PROD", prefix: "/sst-state", deps });
      // Assess: restored by that service, with its runner recorded on the approval
      expect(reply.message.text).toMatch(/^Restored prod \(shop\) to /);
      const after = await (await services.approvals()).get(request.id);
      expect(after?.status).toBe("done");
      expect(after?.runner).toEqual(runner);
    } finally {
      await services.close();
      await slack.close();
    }
  });
});
