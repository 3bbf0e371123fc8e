import { describe, expect, it } from "vitest";
import { evolveCheckpoint, generateCheckpoint, serializeCheckpoint } from "@sst-state/test-kit/generate";
import { parseCheckpoint } from "../../state/parse.ts";
import { isSecret } from "../../state/redact.ts";
import type { Resource } from "../../state/types.ts";

function resourcesOf(obj: object): Resource[] {
  return ((obj as { checkpoint: { latest: { resources: Resource[] } } }).checkpoint.latest.resources);
}

/** Every reference (parent, provider, dependency, property dependency) that points at a resource not listed before. */
function orderViolations(resources: Resource[]): string[] {
  const seen = new Set<string>();
  const bad: string[] = [];
  for (const r of resources) {
    const refs = [r.parent, r.provider?.slice(0, r.provider.lastIndexOf("::")), ...(r.dependencies ?? []), ...Object.values(r.propertyDependencies ?? {}).flatMap((x) => x ?? [])];
    for (const ref of refs) if (ref && !seen.has(ref)) bad.push(`${r.urn} -> ${ref}`);
    seen.add(r.urn);
  }
  return bad;
}

function collect(v: unknown, pred: (x: unknown) => boolean, out: unknown[] = []): unknown[] {
  if (pred(v)) out.push(v);
  else if (Array.isArray(v)) for (const x of v) collect(x, pred, out);
  else if (typeof v === "object" && v !== null) for (const x of Object.values(v)) collect(x, pred, out);
  return out;
}

describe("generateCheckpoint", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    // Prepare
    const opts = { app: "shop", stage: "prod", resources: 400 };
    // Act
    const a = serializeCheckpoint(generateCheckpoint({ ...opts, seed: 1 }));
    const b = serializeCheckpoint(generateCheckpoint({ ...opts, seed: 1 }));
    const c = serializeCheckpoint(generateCheckpoint({ ...opts, seed: 2 }));
    // Assess
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it.each([5, 37, 1000, 2500])("produces exactly %i resources in a valid dependency order, unique URNs", (n) => {
    // Prepare / Act
    const resources = resourcesOf(generateCheckpoint({ app: "shop", stage: "prod", resources: n, seed: n }));
    // Assess
    expect(resources).toHaveLength(n);
    expect(new Set(resources.map((r) => r.urn)).size).toBe(n);
    expect(orderViolations(resources)).toEqual([]);
  });

  it("has the SST shape: root stack, providers, components with $-joined child URNs, tags, retained table, routes", () => {
    // Prepare / Act
    const obj = generateCheckpoint({ app: "shop", stage: "prod", resources: 800, seed: 3, providers: ["random", "cloudflare"] });
    const cp = parseCheckpoint(serializeCheckpoint(obj));
    const rs = cp.resources;
    const byType = (t: string) => rs.filter((r) => r.type === t);
    // Assess
    expect(cp.stack).toBe("organization/shop/prod");
    expect(cp.manifest.version).toBe("v3.215.0");
    expect(cp.secretsProviderType).toBe("passphrase");
    expect(rs[0]!.urn).toBe("urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod");
    expect(rs[0]!.outputs).toHaveProperty("_protect");
    expect(Object.values(rs[0]!.outputs!).some(isSecret)).toBe(true);
    expect(rs.some((r) => r.urn === "urn:pulumi:prod::shop::pulumi:providers:aws::default_6_66_2")).toBe(true);
    expect(byType("pulumi:providers:random")).toHaveLength(1);
    expect(byType("pulumi:providers:cloudflare")).toHaveLength(1);
    for (const r of rs.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))) expect(r.provider, r.urn).toMatch(/^urn:pulumi:prod::shop::pulumi:providers:[\w-]+::\w+::[0-9a-f-]{36}$/);
    const fn = byType("aws:lambda/function:Function")[0]!;
    expect(fn.urn).toMatch(/^urn:pulumi:prod::shop::sst:aws:Function\$aws:lambda\/function:Function::\w+Function$/);
    expect(fn.parent).toMatch(/::sst:aws:Function::/);
    expect((fn.inputs!.tags as Record<string, string>)["sst:app"]).toBe("shop");
    expect((fn.inputs!.tags as Record<string, string>)["sst:stage"]).toBe("prod");
    expect(byType("aws:cloudwatch/logGroup:LogGroup").some((r) => String(r.id).startsWith("/aws/lambda/"))).toBe(true);
    expect(byType("aws:dynamodb/table:Table").every((r) => r.retainOnDelete === true)).toBe(true);
    expect(byType("aws:apigatewayv2/route:Route")[0]!.inputs!.routeKey).toMatch(/^[A-Z]+ \//);
    expect(byType("aws:apigatewayv2/route:Route")[0]!.urn).toContain("sst:aws:ApiGatewayV2$sst:aws:ApiGatewayV2LambdaRoute$aws:apigatewayv2/route:Route::");
    const kv = byType("pulumi-nodejs:dynamic:Resource");
    expect(kv.length).toBeGreaterThan(0);
    expect(kv[0]!.urn).toMatch(/\.sst\.aws\.KvRoutesUpdate$/);
    expect(Object.keys(kv[0]!.outputs!)).toEqual(expect.arrayContaining(["entry", "namespace", "key"]));
    expect(byType("sst:sst:LinkRef").length).toBeGreaterThan(0);
    expect(byType("sst:sst:Version")).toHaveLength(1);
    for (const r of rs) expect(r.created && r.modified, r.urn).toBeTruthy();
    const ciphertexts = collect(rs, isSecret).map((s) => (s as { ciphertext: string }).ciphertext);
    expect(ciphertexts.length).toBeGreaterThan(50);
    for (const c of ciphertexts) expect(c).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
  });

  it("writes plain values where secrets would be when secrets are off", () => {
    // Prepare / Act
    const obj = generateCheckpoint({ app: "shop", stage: "prod", resources: 100, seed: 4, secrets: false });
    // Assess
    expect(collect(resourcesOf(obj), isSecret)).toEqual([]);
  });

  it("serializes with 4 spaces by default, compact on request", () => {
    // Prepare
    const obj = generateCheckpoint({ app: "shop", stage: "prod", resources: 10, seed: 5 });
    // Act
    const pretty = serializeCheckpoint(obj);
    const compact = serializeCheckpoint(obj, { compact: true });
    // Assess
    expect(pretty.split("\n")[1]).toBe('    "version": 3,');
    expect(compact).not.toContain("\n");
    expect(JSON.parse(compact)).toEqual(JSON.parse(pretty));
  });
});

describe("evolveCheckpoint", () => {
  it("adds, removes and changes resources, keeps the order valid and leaves the input alone", () => {
    // Prepare
    const prev = generateCheckpoint({ app: "shop", stage: "prod", resources: 1000, seed: 6 });
    const before = serializeCheckpoint(prev);
    const prevUrns = new Set(resourcesOf(prev).map((r) => r.urn));
    // Act
    const next = evolveCheckpoint(prev, { seed: 7, add: 30, remove: 30, change: 20, time: Date.UTC(2025, 6, 1) });
    // Assess
    const rs = resourcesOf(next);
    const urns = new Set(rs.map((r) => r.urn));
    const added = [...urns].filter((u) => !prevUrns.has(u));
    const removed = [...prevUrns].filter((u) => !urns.has(u));
    expect(serializeCheckpoint(prev)).toBe(before);
    expect(added.length).toBe(30);
    expect(removed.length).toBeGreaterThanOrEqual(30);
    expect(urns.size).toBe(rs.length);
    expect(orderViolations(rs)).toEqual([]);
    expect((next.checkpoint.latest as { manifest: { time: string } }).manifest.time).toBe("2025-07-01T00:00:00.000Z");
  });

  it("re-encrypts every secret: same places, new ciphertexts; same seed, same result", () => {
    // Prepare
    const prev = generateCheckpoint({ app: "shop", stage: "prod", resources: 300, seed: 8 });
    // Act
    const next = evolveCheckpoint(prev, { seed: 9 });
    const again = evolveCheckpoint(prev, { seed: 9 });
    // Assess
    const oldCt = collect(resourcesOf(prev), isSecret).map((s) => (s as { ciphertext: string }).ciphertext);
    const newCt = collect(resourcesOf(next), isSecret).map((s) => (s as { ciphertext: string }).ciphertext);
    expect(newCt).toHaveLength(oldCt.length);
    expect(newCt.filter((c) => oldCt.includes(c))).toEqual([]);
    expect(serializeCheckpoint(again)).toBe(serializeCheckpoint(next));
  });
});
