/** The CLI's composition root: which home a command reads (DESIGN §4 SST_STATE_HOME default). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
