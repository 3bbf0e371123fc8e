/**
 * `sst-state diagnose` as a user runs it (the built CLI) scans the previous version in a worker
 * thread when the version is big (over adapters/index-worker.ts's 4 MiB); the report must be the
 * one the in-process CLI gives, which scans in its own thread (a source checkout has no worker
 * script). Both run on the same generated local home: one stage, interrupted last deploy, so the
 * history rules have findings to agree on.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { generateHome } from "@sst-state/core/state/generate-home";
import { stateKeys } from "@sst-state/core/state/versions";
import { repoRoot, runBin, runInProcess, tempDir } from "../helpers.ts";

describe("diagnose with the scan worker", () => {
  it("reports what the in-thread scan reports on a stage whose previous version is over 4 MiB", async () => {
    // Prepare
    const root = tempDir("sst-state-diagnose-worker-");
    const { files, stages } = generateHome({ app: "shop", seed: 31, stages: [{ name: "prod", resources: 3_000, deploys: 3, interrupted: true }] });
    await writeLocalHome(join(root, "home"), files);
    const previous = stages[0]!.snapshotIds.at(-2)!;
    expect(statSync(join(root, "home", "state", ...stateKeys.snapshot("shop", "prod", previous).split("/"))).size).toBeGreaterThan(4 * 1024 * 1024);
    // the worker's script beside the built CLI (scripts/build.mjs); without it the CLI scans in-thread
    expect(existsSync(join(repoRoot, "packages/cli/dist/index-worker.mjs"))).toBe(true);
    const env = { SST_STATE_HOME: "local", SST_STATE_DIR: join(root, "home"), NO_COLOR: "1" };
    // Act (and once more with NODE_DEBUG=worker: Node then logs each worker it starts, so the test
    // sees that the scan ran in one, not in this thread after a failed start)
    const bin = await runBin(["diagnose", "shop/prod", "--no-probes", "--json"], { env, cwd: root, timeoutMs: 120_000 });
    const traced = await runBin(["diagnose", "shop/prod", "--no-probes", "--json"], { env: { ...env, NODE_DEBUG: "worker" }, cwd: root, timeoutMs: 120_000 });
    const here = await runInProcess(["diagnose", "shop/prod", "--no-probes", "--json"], { env, cwd: root });
    // Assess
    expect(traced.stderr).toMatch(/starts worker script \S*index-worker\.mjs/);
    expect(traced.stderr).not.toMatch(/exited|error|uncaught exception/i);
    const rules = (out: string) => (JSON.parse(out) as { findings: { rule: string }[] }).findings.map((f) => f.rule);
    expect(rules(traced.stdout)).toEqual(rules(bin.stdout));
    expect(bin.stderr).toBe("");
    expect(bin.code).toBe(here.code);
    const [a, b] = [JSON.parse(bin.stdout), JSON.parse(here.stdout)] as { findings: { rule: string }[] }[];
    expect(a!.findings).toEqual(b!.findings);
    expect(a!.findings.length).toBeGreaterThan(0);
  }, 180_000);
});
