import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCheckpoint } from "../../state/parse.ts";
import {
  loadRealCheckpoint,
  readRealCheckpointManifest,
  realCheckpointsDir,
  storedCheckpointBytes,
  type RealCheckpointFormat,
} from "../support/real-checkpoints.ts";

const manifest = readRealCheckpointManifest();

/** The format, read from the file's own keys (not from the manifest). */
function formatOf(bytes: Buffer): RealCheckpointFormat | string {
  const json = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  if ("checkpoint" in json) return `versioned-checkpoint-v${String(json.version)}`;
  if ("deployment" in json) return `untyped-deployment-v${String(json.version)}`;
  return "bare-checkpoint-v0";
}

describe("the real-checkpoint corpus", () => {
  it("lists every data file in the folder exactly once", () => {
    // Prepare
    const onDisk = readdirSync(realCheckpointsDir).filter((f) => f.endsWith(".json") && f !== "manifest.json");
    // Act
    const listed = manifest.files.map((f) => f.name);
    // Assess
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...onDisk].sort());
  });

  it("has at least 20 files from at least 3 repositories, some of which Pulumi refuses", () => {
    // Prepare
    const repos = new Set(manifest.files.map((f) => f.source.repo));
    // Act
    const refused = manifest.files.filter((f) => f.pulumi.verdict === "refuses");
    // Assess
    expect(manifest.files.length).toBeGreaterThanOrEqual(20);
    expect(repos.size).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(manifest.files.length);
  });

  for (const entry of manifest.files) {
    describe(entry.name, () => {
      it("is the copied file: same size and sha256, and its format is what the manifest says", () => {
        // Prepare
        const bytes = readFileSync(new URL(entry.name, realCheckpointsDir));
        // Act
        const sha256 = createHash("sha256").update(bytes).digest("hex");
        // Assess
        expect(bytes.length).toBe(entry.bytes);
        expect(sha256).toBe(entry.sha256);
        expect(formatOf(bytes)).toBe(entry.format);
      });

      it("comes from a repository whose licence allows redistribution, kept beside it", () => {
        // Prepare
        const licenceFile = new URL(entry.source.licenceFile, realCheckpointsDir);
        // Act
        const text = readFileSync(licenceFile, "utf8");
        // Assess
        expect(["Apache-2.0", "MIT"]).toContain(entry.source.licence);
        expect(text).toMatch(entry.source.licence === "MIT" ? /Permission is hereby granted, free of charge/ : /Apache License\s+Version 2\.0/);
        expect(entry.source.commit).toMatch(/^[0-9a-f]{40}$/);
        expect(entry.source.fileCommit).toMatch(/^[0-9a-f]{40}$/);
      });

      it("carries Pulumi's verdict with the reason and the source lines", () => {
        // Prepare
        const v = entry.pulumi;
        // Act
        const cited = v.source.every((s) => /^pkg\/[\w/.-]+\.go:\d+/.test(s));
        // Assess
        expect(["accepts", "refuses"]).toContain(v.verdict);
        expect(cited).toBe(true);
        expect(v.reason.length).toBeGreaterThan(20);
        if (v.verdict === "refuses") {
          expect(v.stage === "deserialize" || v.stage === "verify-integrity").toBe(true);
          expect(v.message).toBeTruthy();
        } else {
          expect(v.stage).toBeNull();
          expect(v.message).toBeNull();
        }
      });

      it("is read by sst-state with every resource and pending operation", () => {
        // Prepare
        const wantVersion = Number(/v(\d)$/.exec(entry.format)![1]);
        // Act
        const { checkpoint } = loadRealCheckpoint(entry);
        // Assess
        expect(checkpoint.resources).toHaveLength(entry.resources);
        expect(checkpoint.pendingOperations).toHaveLength(entry.pendingOperations);
        expect(checkpoint.version).toBe(entry.format === "bare-checkpoint-v0" ? 3 : wantVersion);
        expect(entry.sstState.reads).toBe(entry.format.startsWith("untyped-deployment") ? "after conversion" : "yes");
      });
    });
  }
});

describe("storedCheckpointBytes (Pulumi's import of a `pulumi stack export` deployment)", () => {
  it("wraps the deployment as checkpoint.latest and keeps version and features", () => {
    // Prepare
    const exported = Buffer.from(JSON.stringify({ version: 4, features: ["taint"], deployment: { resources: [{ urn: "urn:pulumi:a::b::c:d:E::f", type: "c:d:E", taint: true }] } }));
    // Act
    const stored = JSON.parse(storedCheckpointBytes(exported).toString("utf8"));
    // Assess
    expect(stored).toEqual({ version: 4, features: ["taint"], checkpoint: { latest: { resources: [{ urn: "urn:pulumi:a::b::c:d:E::f", type: "c:d:E", taint: true }] } } });
  });

  it("leaves a stored checkpoint unchanged", () => {
    // Prepare
    const bytes = readFileSync(new URL("private-rmq--stacks-dev.json", realCheckpointsDir));
    // Act
    const stored = storedCheckpointBytes(bytes);
    // Assess
    expect(stored.equals(bytes)).toBe(true);
  });
});

describe("parseCheckpoint on the versions Pulumi migrates", () => {
  it("reads Pulumi's version 1 checkpoint as version 1", () => {
    // Prepare
    const bytes = readFileSync(new URL("pulumi--checkpoint-v1.json", realCheckpointsDir));
    // Act
    const cp = parseCheckpoint(bytes, "v1");
    // Assess
    expect(cp.version).toBe(1);
    expect(cp.wrapped).toBe(true);
    expect(cp.resources.length).toBeGreaterThan(0);
  });

  it("reads a version 2 checkpoint as version 2", () => {
    // Prepare
    const text = '{"version":2,"checkpoint":{"stack":"organization/shop/prod","latest":{"resources":[{"urn":"urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod","type":"pulumi:pulumi:Stack"}]}}}';
    // Act
    const cp = parseCheckpoint(text, "v2");
    // Assess
    expect(cp.version).toBe(2);
    expect(cp.stack).toBe("organization/shop/prod");
    expect(cp.resources).toHaveLength(1);
  });
});

it("keeps no licence file that no corpus entry uses", () => {
  // Prepare
  const used = new Set(manifest.files.map((f) => f.source.licenceFile));
  // Act
  const present = readdirSync(new URL("LICENSES/", realCheckpointsDir)).map((f) => `LICENSES/${f}`);
  // Assess
  expect(present.sort()).toEqual([...used].sort());
  expect([...used].every((f) => existsSync(new URL(f, realCheckpointsDir)))).toBe(true);
});
