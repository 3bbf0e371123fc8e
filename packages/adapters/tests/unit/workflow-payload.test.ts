import { describe, expect, it } from "vitest";
import { createMemoryStateStore } from "@sst-state/test-kit/memory/state-store";
import { generateHome, DEFAULT_HOME_NOW } from "@sst-state/core/state/generate-home";
import { createDiagnosisTasks, type DiagnosisTasks, type WorkflowState } from "@sst-state/core/diagnosis";
import { createLocalWorkflow } from "../../workflow-local.ts";

const clock = { now: () => DEFAULT_HOME_NOW };
const APP = "a-rather-long-application-name";
const STAGE = "production-eu-west-1";

describe("diagnosis workflow payloads", () => {
  it("stay under 256 KB when every rule group finds hundreds of problems", async () => {
    // Prepare: a big, thoroughly broken stage (reversed, duplicated, components and providers gone,
    // hundreds of pending creates, a crashed lock) and probes that find thousands of leftovers
    const home = generateHome({ app: APP, stages: [{ name: STAGE, resources: 5_000, deploys: 2, interrupted: true }], seed: 3 });
    const store = createMemoryStateStore(home.files, { clock, home: "aws" });
    const json = JSON.parse(home.stages[0]!.current) as { checkpoint: { latest: Record<string, unknown> & { resources: { type: string }[] } } };
    const latest = json.checkpoint.latest;
    const kept = latest.resources.filter((r) => !r.type.startsWith("sst:aws:") && !r.type.startsWith("pulumi:providers:")).reverse();
    latest.resources = [...kept, ...kept.slice(0, 300)];
    latest.pending_operations = kept.slice(0, 300).map((resource) => ({ type: "creating", resource }));
    store.put(`app/${APP}/${STAGE}.json`, JSON.stringify(json));
    const leftovers = Array.from({ length: 3_000 }, (_, i) => `arn:aws:lambda:eu-west-1:123456789012:function:${APP}-${STAGE}-LeftoverFunction${i}-abcdef`);
    const tasks = createDiagnosisTasks({
      store,
      clock,
      probes: {
        tagged: { listTaggedArns: async () => ({ ok: true, value: leftovers }) },
        routerKv: { listRouteEntries: async () => ({ ok: true, value: {} }) },
      },
    });
    const sizes: Record<string, number> = {};
    const measured = Object.fromEntries(
      Object.entries(tasks).map(([name, fn]) => [
        name,
        async (s: WorkflowState) => {
          sizes[`${name}:in`] = Buffer.byteLength(JSON.stringify(s));
          const out = await (fn as (s: WorkflowState) => Promise<unknown>)(s);
          sizes[`${name}:out`] = Buffer.byteLength(JSON.stringify(out));
          return out;
        },
      ]),
    ) as unknown as DiagnosisTasks;
    // Act
    const report = await createLocalWorkflow({ tasks: measured }).run({ app: APP, stage: STAGE });
    // Assess
    const rules = new Set(report.findings.map((f) => f.rule));
    for (const r of ["pending-operations", "dangling-parent", "dangling-provider", "duplicate-urn", "dependency-order", "stale-lock", "untracked-resources"]) expect(rules, r).toContain(r);
    expect(report.findings.some((f) => /more untracked-resources findings|untracked-resources findings, too many/.test(f.message))).toBe(true);
    for (const [k, n] of Object.entries(sizes)) expect(n, k).toBeLessThan(256 * 1024);
    // Report's result is placed into its input (ResultPath) before OutputPath picks it
    expect(sizes["report:in"]! + sizes["report:out"]!).toBeLessThan(256 * 1024);
  }, 60_000);
});
