/**
 * Why the real-checkpoint corpus has no oracle (fixtures/real-checkpoints/README.md): SST 4.17.1's
 * offline state commands do not run Pulumi's checks. They pass states that Pulumi v3.215.0 refuses,
 * both one refused by VerifyIntegrity (a parent listed after its child) and one refused by the
 * deserializer (a v4 feature it does not know). If SST ever starts checking, these tests fail and the
 * corpus can gain a real oracle.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCheckpoint } from "@sst-state/core/state/parse";
import { readRealCheckpointManifest, realCheckpointsDir } from "../../../core/tests/support/real-checkpoints.ts";
import { runSst } from "@sst-state/test-kit/sst-cli";

const APP = "oracle";
const refused = readRealCheckpointManifest().files.filter(
  (f) => f.name === "pulumi--checkpoint-v3.json" || f.name === "pulumi--checkpoint-v4-unsupported-feature.json",
);

describe("SST's offline state commands on states Pulumi refuses", () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sst-offline-verdicts-"));
    root = join(dir, "sst");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function placeCurrent(name: string): Promise<Buffer> {
    const bytes = await readFile(new URL(name, realCheckpointsDir));
    await mkdir(join(root, "state", "app", APP), { recursive: true });
    await writeFile(join(root, "state", "app", APP, "prod.json"), bytes);
    return bytes;
  }

  it("covers both stages at which Pulumi refuses", () => {
    // Prepare
    const stages = refused.map((f) => f.pulumi.stage).sort();
    // Act
    const verdicts = new Set(refused.map((f) => f.pulumi.verdict));
    // Assess
    expect(stages).toEqual(["deserialize", "verify-integrity"]);
    expect([...verdicts]).toEqual(["refuses"]);
  });

  for (const entry of refused) {
    it(`\`sst state export\` prints ${entry.name} (refused by Pulumi at ${entry.pulumi.stage}) and exits 0`, async () => {
      // Prepare
      const bytes = await placeCurrent(entry.name);
      const stored = parseCheckpoint(bytes, entry.name);
      // Act
      const run = await runSst(root, APP, ["state", "export", "--stage", "prod"]);
      // Assess
      expect(run.code, run.stderr).toBe(0);
      const printed = parseCheckpoint(new TextEncoder().encode(run.stdout), "sst state export");
      expect(printed.resources.map((r) => r.urn)).toEqual(stored.resources.map((r) => r.urn));
    });

    it(`\`sst state repair\` finds nothing to change in ${entry.name} and leaves it as it was`, async () => {
      // Prepare
      const bytes = await placeCurrent(entry.name);
      // Act
      const run = await runSst(root, APP, ["state", "repair", "--stage", "prod"], { input: "n\n" });
      // Assess
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).toMatch(/No changes made/);
      expect((await readFile(join(root, "state", "app", APP, "prod.json"))).equals(bytes)).toBe(true);
    });
  }
});
