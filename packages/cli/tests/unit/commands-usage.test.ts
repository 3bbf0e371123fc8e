/** Bad usage is exit 2 (DESIGN §4): extra positional arguments are not silently dropped. */
import { describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { runInProcess, tempDir } from "../helpers.ts";

describe("extra arguments", () => {
  it("status, history and diff reject arguments they do not take, with exit 2", async () => {
    // Prepare
    const root = tempDir("sst-state-usage-home-");
    await writeLocalHome(root, generateHome({ app: "shop", seed: 2, stages: [{ name: "prod", resources: 8, deploys: 3 }] }).files);
    const env = { SST_STATE_DIR: root, SST_STATE_HOME: "local" };
    // Act
    const diff = await runInProcess(["diff", "prod", "~2", "~1", "latest"], { env });
    const status = await runInProcess(["status", "prod", "dev"], { env });
    const history = await runInProcess(["history", "prod", "10"], { env });
    const ok = await runInProcess(["diff", "prod", "~2", "~1"], { env });
    // Assess
    expect([diff.code, status.code, history.code]).toEqual([2, 2, 2]);
    expect(diff.stderr).toContain("latest");
    expect(ok.code).toBe(0);
  });
});
