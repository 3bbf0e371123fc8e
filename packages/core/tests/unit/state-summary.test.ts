import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateCheckpoint, serializeCheckpoint } from "@sst-state/test-kit/generate";
import { parseCheckpoint } from "../../state/parse.ts";
import { summarize } from "../../state/summary.ts";
import type { Resource } from "../../state/types.ts";

const fixtures = new URL("../../../../fixtures/public-state/", import.meta.url);

describe("summarize", () => {
  it("counts resources and types of a generated state", () => {
    // Prepare
    const obj = generateCheckpoint({ app: "shop", stage: "prod", resources: 500, seed: 21 });
    const resources = (obj.checkpoint.latest as { resources: Resource[] }).resources;
    const expected: Record<string, number> = {};
    for (const r of resources) expected[r.type] = (expected[r.type] ?? 0) + 1;
    // Act
    const s = summarize(parseCheckpoint(serializeCheckpoint(obj)));
    // Assess
    expect(s.resources).toBe(500);
    expect(s.types).toEqual(expected);
    expect(Object.keys(s.types)).toEqual(Object.keys(expected).sort());
    expect(s.app).toBe("shop");
    expect(s.stage).toBe("prod");
    expect(s.stack).toBe("organization/shop/prod");
    expect(s.pulumiVersion).toBe("v3.215.0");
    expect(s.manifestTime).toBe(new Date(Date.UTC(2025, 5, 2, 9, 30)).toISOString());
  });

  it("lists top-level components with the number of their descendants", () => {
    // Prepare
    const obj = generateCheckpoint({ app: "shop", stage: "prod", resources: 300, seed: 22 });
    const resources = (obj.checkpoint.latest as { resources: Resource[] }).resources;
    const root = resources[0]!.urn;
    const tops = resources.filter((r) => r.parent === root && r.custom === false);
    // descendants by following parents up to the top-level component
    const parentOf = new Map(resources.map((r) => [r.urn, r.parent]));
    const topOf = (urn: string): string | undefined => {
      let u: string | undefined = urn;
      while (u && parentOf.get(u) !== root) u = parentOf.get(u);
      return u;
    };
    // Act
    const s = summarize(parseCheckpoint(JSON.stringify(obj)));
    // Assess
    expect(s.components.map((c) => c.urn)).toEqual(tops.map((r) => r.urn));
    for (const c of s.components) {
      const n = resources.filter((r) => r.urn !== c.urn && topOf(r.urn) === c.urn).length;
      expect(c.resources, c.urn).toBe(n);
    }
    const api = s.components.find((c) => c.type === "sst:aws:ApiGatewayV2");
    expect(api?.resources).toBeGreaterThanOrEqual(7); // api, stage, log group and a nested route component with 3 children
    expect(s.components.find((c) => c.type === "sst:aws:Function")?.name).toMatch(/^[A-Z]\w+$/);
  });

  it("counts descendants even when a child is listed before its parent", () => {
    // Prepare
    const obj = generateCheckpoint({
      app: "shop", stage: "prod", resources: 100, seed: 23,
      mutate: (rs) => rs.reverse(),
    });
    const inOrder = summarize(parseCheckpoint(JSON.stringify(generateCheckpoint({ app: "shop", stage: "prod", resources: 100, seed: 23 }))));
    // Act
    const s = summarize(parseCheckpoint(JSON.stringify(obj)));
    // Assess
    const byUrn = (cs: typeof s.components) => Object.fromEntries(cs.map((c) => [c.urn, c.resources]));
    expect(byUrn(s.components)).toEqual(byUrn(inOrder.components));
  });

  it("lists pending operations", () => {
    // Prepare
    const resource = { urn: "urn:pulumi:prod::shop::sst:aws:Bucket$aws:s3/bucketV2:BucketV2::UploadsBucket", custom: true, type: "aws:s3/bucketV2:BucketV2" };
    const obj = generateCheckpoint({ app: "shop", stage: "prod", resources: 20, seed: 24, pending: [{ type: "creating", resource }] });
    // Act
    const s = summarize(parseCheckpoint(JSON.stringify(obj)));
    // Assess
    expect(s.pendingOperations).toEqual([{ type: "creating", urn: resource.urn, resourceType: resource.type }]);
  });

  it("returns the root outputs with secrets replaced", () => {
    // Prepare
    const obj = generateCheckpoint({ app: "shop", stage: "prod", resources: 200, seed: 25 });
    // Act
    const s = summarize(parseCheckpoint(JSON.stringify(obj)));
    // Assess
    expect(s.outputs._protect).toBe(false);
    expect(s.outputs.webhookSecret).toBe("[secret]");
    expect(typeof s.outputs.region).toBe("string");
  });

  it("treats Pulumi's zero manifest and a fixture without a root stack sensibly", () => {
    // Prepare
    const cp = parseCheckpoint(readFileSync(new URL("pulumi-checkpoint-v3.json", fixtures)));
    // Act
    const s = summarize(cp);
    // Assess
    expect(s.resources).toBe(cp.resources.length);
    expect(s.manifestTime).toBeNull();
    expect(s.pulumiVersion).toBeNull();
    expect(s.components).toEqual([]);
    expect(s.outputs).toEqual({});
    expect(s.app).toBeUndefined();
  });

  it("takes app and stage from the root URN when the stack name is empty", () => {
    // Prepare
    const obj = generateCheckpoint({ app: "acme", stage: "pr-12", resources: 10, seed: 26 });
    (obj.checkpoint as Record<string, unknown>).stack = "";
    // Act
    const s = summarize(parseCheckpoint(JSON.stringify(obj)));
    // Assess
    expect(s.app).toBe("acme");
    expect(s.stage).toBe("pr-12");
  });
});
