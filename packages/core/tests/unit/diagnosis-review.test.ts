import { describe, expect, it } from "vitest";
import { collectSecretMaterial, fromJson, type Checkpoint, type Resource } from "../../state/index.ts";
import { generateCheckpoint } from "@sst-state/test-kit/generate";
import { runDiagnosis, routeEntriesOf, type DiagnosisInput, type Finding } from "../../diagnosis/index.ts";

const APP = "shop";
const STAGE = "prod";
const NOW = Date.UTC(2025, 5, 2, 12, 0, 0);

type Wrapped = ReturnType<typeof generateCheckpoint>;
const gen = (opts: Partial<Parameters<typeof generateCheckpoint>[0]> = {}): Wrapped =>
  generateCheckpoint({ app: APP, stage: STAGE, resources: 160, seed: 11, ...opts });
const cp = (w: object): Checkpoint => fromJson(structuredClone(w), 0);
const resourcesOf = (w: Wrapped): Resource[] => (w.checkpoint as { latest: { resources: Resource[] } }).latest.resources;
const nameOf = (urn: string) => urn.split("::").slice(3).join("::");

function input(over: Partial<DiagnosisInput> = {}): DiagnosisInput {
  return { app: APP, stage: STAGE, now: NOW, current: cp(gen()), previous: null, sstLock: null, lockUpdate: null, updates: [], objectVersionCount: null, snapshotCount: null, ...over };
}
const run = (rule: string, over: Partial<DiagnosisInput>): Finding[] => runDiagnosis(input(over), { rules: [rule] }).findings;

// `sst state remove <target>` matches the resource's name (the last part of its URN), and like
// every `sst state` command it acts on the personal stage unless `--stage` is given.
function expectStateRemoveOf(fix: string, urn: string): void {
  const m = /`sst state remove ([^`]*)`/.exec(fix);
  expect(m, fix).not.toBeNull();
  const cmd = m![1]!;
  expect(cmd).not.toContain("urn:pulumi:");
  expect(cmd).toContain(`'${nameOf(urn)}'`);
  expect(cmd).toContain(`--stage ${STAGE}`);
}

describe("fix texts name real SST commands", () => {
  it("pending-operations: a pending update's fallback removes the resource by name on the right stage", () => {
    // Prepare
    const lg = resourcesOf(gen()).find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup")!;
    // Act
    const findings = run("pending-operations", { current: cp(gen({ pending: [{ type: "updating", resource: lg }] })) });
    // Assess
    expect(findings).toHaveLength(1);
    expectStateRemoveOf(findings[0]!.fix, lg.urn);
  });

  it("router-kv-drift: the fix removes the route update by name on the right stage", () => {
    // Prepare
    const c = cp(gen());
    const refs = routeEntriesOf(c.resources);
    expect(refs.length).toBeGreaterThan(0);
    const value = [...new Set(refs.map((r) => r.kvStoreArn))].map((kvStoreArn) => ({ kvStoreArn, routes: {} }));
    // Act
    const findings = run("router-kv-drift", { current: c, probes: { routerKv: { ok: true, value } } });
    // Assess
    expect(findings.length).toBe(refs.length);
    expectStateRemoveOf(findings[0]!.fix, findings[0]!.urn!);
  });

  it("dangling-provider: says no SST command fixes it and gives the manual edit on the right stage", () => {
    // Prepare
    const victim = resourcesOf(gen()).find((r) => r.type === "aws:s3/bucketV2:BucketV2")!;
    const current = cp(gen({ mutate: (rs) => void (rs.find((r) => r.urn === victim.urn)!.provider = `urn:pulumi:${STAGE}::${APP}::pulumi:providers:aws::gone::0000`) }));
    // Act
    const findings = run("dangling-provider", { current });
    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]!.fix).toContain("No SST command fixes provider references");
    expect(findings[0]!.fix).toContain(`sst state edit --stage ${STAGE}`);
    expect(findings[0]!.fix).toContain(`sst-state restore ${STAGE} <version>`);
  });
});

describe("empty-state", () => {
  it("reports an emptied SST state that still holds the stack, the providers and sst:sst:Version", () => {
    // Prepare: what SST writes for an app whose run() created nothing
    const emptied = cp(gen({ resources: 4 }));
    expect(emptied.resources.map((r) => r.type)).toContain("sst:sst:Version");
    // Act
    const findings = run("empty-state", { current: emptied, previous: cp(gen()) });
    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]!.severity).toBe("error");
  });

  it("says nothing when both versions are that small", () => {
    expect(run("empty-state", { current: cp(gen({ resources: 4 })), previous: cp(gen({ resources: 4 })) })).toEqual([]);
  });
});

describe("secrets in long record text", () => {
  it("update-errors leaves no fragment of a ciphertext that straddles the clipping point", () => {
    // Prepare
    const leaked = collectSecretMaterial(cp(gen()).raw).find((s) => s.startsWith("v1:"))!;
    expect(leaked).toBeDefined();
    const prefix = "x".repeat(380); // the ciphertext starts at 381 and is cut at 399
    const updates = [{ id: "aaaa", command: "deploy", timeCompleted: "2025-06-02T11:00:00Z", errors: [{ message: `${prefix} ${leaked} rest` }] }];
    // Act
    const findings = run("update-errors", { updates });
    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).not.toContain(leaked.slice(0, 12));
  });
});

describe("finding size", () => {
  it("a resource depending on thousands of missing resources gets one finding of bounded size", () => {
    // Prepare
    const missing = Array.from({ length: 3_000 }, (_, i) => `urn:pulumi:${STAGE}::${APP}::aws:sqs/queue:Queue::GoneQueue${i}`);
    const current = cp(gen({ mutate: (rs) => void (rs.at(-1)!.dependencies = missing) }));
    // Act
    const findings = run("dangling-dependency", { current });
    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain("GoneQueue0");
    expect(findings[0]!.message).toContain("2,990 more");
    expect(JSON.stringify(findings[0]).length).toBeLessThan(3_000);
  });
});

describe("probes task", () => {
  it("reports a probe that never answers as skipped instead of hanging the diagnosis until the state times out", async () => {
    // Prepare
    const { generateHome } = await import("../../state/generate-home.ts");
    const { createMemoryStateStore } = await import("@sst-state/test-kit/memory/state-store");
    const { createDiagnosisTasks } = await import("../../diagnosis/index.ts");
    const home = generateHome({ app: APP, seed: 2, stages: [{ name: STAGE, resources: 40, deploys: 2 }] });
    const clock = { now: () => NOW };
    const store = createMemoryStateStore(home.files, { clock });
    const never = new Promise<never>(() => {});
    const tasks = createDiagnosisTasks({
      store,
      clock,
      probeTimeoutMs: 50,
      probes: { tagged: { listTaggedArns: () => never }, routerKv: { listRouteEntries: () => never } },
    });
    const ref = await tasks.load({ app: APP, stage: STAGE });
    // Act
    const part = await tasks.probes({ app: APP, stage: STAGE, ref });
    // Assess
    expect(part.findings).toEqual([]);
    expect(part.skipped.find((s) => s.rule === "untracked-resources")?.why).toMatch(/did not answer within/);
  });
});
