import { describe, expect, it } from "vitest";
import { fromJson, type Checkpoint, type Resource, type UpdateRecord } from "../../state/index.ts";
import { evolveCheckpoint, generateCheckpoint } from "@sst-state/test-kit/generate";
import { runDiagnosis, type DiagnosisInput, type Finding } from "../../diagnosis/index.ts";
import { routeEntriesOf } from "../../diagnosis/rules/router-kv-drift.ts";

const APP = "shop";
const STAGE = "prod";
const NOW = Date.UTC(2025, 5, 2, 12, 0, 0);
const HOUR = 3_600_000;

type Wrapped = ReturnType<typeof generateCheckpoint>;
const gen = (opts: Partial<Parameters<typeof generateCheckpoint>[0]> = {}): Wrapped =>
  generateCheckpoint({ app: APP, stage: STAGE, resources: 160, seed: 11, ...opts });
const cp = (w: object): Checkpoint => fromJson(structuredClone(w), 0);
const resourcesOf = (w: Wrapped): Resource[] => (w.checkpoint as { latest: { resources: Resource[] } }).latest.resources;

function input(over: Partial<DiagnosisInput> = {}): DiagnosisInput {
  return {
    app: APP,
    stage: STAGE,
    now: NOW,
    current: cp(gen()),
    previous: null,
    sstLock: null,
    lockUpdate: null,
    updates: [],
    objectVersionCount: null,
    snapshotCount: null,
    ...over,
  };
}

/** findings of exactly one rule */
function run(rule: string, over: Partial<DiagnosisInput>): { findings: Finding[]; skipped: { rule: string; why: string }[] } {
  const r = runDiagnosis(input(over), { rules: [rule] });
  return { findings: r.findings, skipped: r.skipped };
}

const completed = (id: string, extra: Partial<UpdateRecord> = {}): UpdateRecord => ({
  id,
  command: "deploy",
  errors: [],
  timeStarted: new Date(NOW - 5 * HOUR).toISOString(),
  timeCompleted: new Date(NOW - 5 * HOUR + 60_000).toISOString(),
  ...extra,
});

describe("pending-operations", () => {
  it("reports a pending create as a warning (Pulumi accepts the state) that explains refresh does not clear it", () => {
    // Prepare
    const base = gen();
    const fn = resourcesOf(base).find((r) => r.type === "aws:lambda/function:Function")!;
    const current = cp(gen({ pending: [{ type: "creating", resource: structuredClone(fn) }] }));
    // Act
    const { findings } = run("pending-operations", { current });
    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: "pending-operations", severity: "warning", urn: fn.urn });
    expect(findings[0]!.message).toContain("neither `sst refresh` nor `sst deploy` clears a pending create");
    expect(findings[0]!.fix).toContain("Check in AWS");
    expect(findings[0]!.fix).toContain("sst state edit --stage prod");
  });

  it("reports a pending update as a warning fixed by sst refresh", () => {
    const fn = resourcesOf(gen()).find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup")!;
    const { findings } = run("pending-operations", { current: cp(gen({ pending: [{ type: "updating", resource: fn }] })) });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.severity).toBe("warning");
    expect(findings[0]!.fix).toContain("sst refresh --stage prod");
  });

  it("says nothing about a state without pending operations", () => {
    expect(run("pending-operations", {}).findings).toEqual([]);
  });
});

describe("stale-lock", () => {
  const lock = (ageMs: number) => ({ created: new Date(NOW - ageMs).toISOString(), updateID: "ffff00000000aaaaaaaaaaaa", runID: "r", command: "deploy", ignore: true });

  it("reports a lock older than an hour whose update never completed", () => {
    const { findings } = run("stale-lock", { sstLock: lock(3 * HOUR), lockUpdate: { id: "ffff00000000aaaaaaaaaaaa", command: "deploy", timeStarted: new Date(NOW - 3 * HOUR).toISOString() } });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.severity).toBe("error");
    expect(findings[0]!.message).toContain("never completed");
    expect(findings[0]!.fix).toContain("sst unlock --stage prod");
  });

  it("reports a young lock whose update has already completed", () => {
    const { findings } = run("stale-lock", { sstLock: lock(5 * 60_000), lockUpdate: completed("ffff00000000aaaaaaaaaaaa") });
    expect(findings.map((f) => f.severity)).toEqual(["error"]);
    expect(findings[0]!.fix).toContain("sst unlock --stage prod");
  });

  it("honours a custom threshold", () => {
    const running = { id: "ffff00000000aaaaaaaaaaaa" };
    expect(runDiagnosis(input({ sstLock: lock(20 * 60_000), lockUpdate: running }), { rules: ["stale-lock"], staleLockMs: 10 * 60_000 }).findings[0]!.severity).toBe("error");
  });

  it("only notes a lock held by a deploy that is still running, and nothing without a lock", () => {
    const young = run("stale-lock", { sstLock: lock(5 * 60_000), lockUpdate: { id: "ffff00000000aaaaaaaaaaaa" } }).findings;
    expect(young.map((f) => f.severity)).toEqual(["info"]);
    expect(run("stale-lock", {}).findings).toEqual([]);
  });
});

describe("interrupted-update", () => {
  it("reports an update that never completed and is not the lock's", () => {
    const { findings } = run("interrupted-update", { updates: [{ id: "aaaa", command: "deploy", timeStarted: "2025-06-02T09:00:00Z" }, completed("bbbb")] });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: "error" });
    expect(findings[0]!.message).toContain("aaaa");
    expect(findings[0]!.fix).toContain("sst refresh --stage prod");
  });

  it("reports an update closed by sst unlock", () => {
    const forced = completed("aaaa", { errors: [{ message: "Update did not complete and was force unlocked with the `sst unlock` command" }] });
    const { findings } = run("interrupted-update", { updates: [forced, completed("bbbb")] });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.severity).toBe("warning");
    expect(findings[0]!.message).toContain("force unlocked");
  });

  it("ignores the running lock's update and everything before a clean deploy", () => {
    const running = { id: "cccc", command: "deploy" };
    const updates = [running, completed("bbbb"), { id: "old-crash", command: "deploy" }];
    expect(run("interrupted-update", { updates, sstLock: { created: new Date(NOW).toISOString(), updateID: "cccc" } }).findings).toEqual([]);
  });
});

describe("SST's normal leftovers are not errors", () => {
  // the generated state was last saved (manifest.time) at 09:30; NOW is 12:00
  const SAVED = Date.UTC(2025, 5, 2, 9, 30, 0);

  it("interrupted-update: a record without timeCompleted whose update never saved the state (failed build) is info", () => {
    // Prepare: SST wrote the record at 10:00, then the build failed; no lock, state untouched
    const failedBuild = { id: "aaaa", command: "deploy", timeStarted: new Date(SAVED + 30 * 60_000).toISOString() };
    // Act
    const { findings } = run("interrupted-update", { updates: [failedBuild, completed("bbbb")] });
    // Assess
    expect(findings.map((f) => f.severity)).toEqual(["info"]);
    expect(findings[0]!.message).toContain("did not change the state");
  });

  it("interrupted-update: the same record with a state saved after it started is a crash (error)", () => {
    const crashed = { id: "aaaa", command: "deploy", timeStarted: new Date(SAVED - 30 * 60_000).toISOString() };
    expect(run("interrupted-update", { updates: [crashed, completed("bbbb")] }).findings.map((f) => f.severity)).toEqual(["error"]);
  });

  it("stale-lock: an old lock whose deploy still saves the state is a running deploy (info)", () => {
    // Prepare: lock taken 3 h before NOW, state saved 10 min before NOW, update not completed
    const now = SAVED + 10 * 60_000;
    const sstLock = { created: new Date(now - 3 * HOUR).toISOString(), updateID: "ffff00000000aaaaaaaaaaaa", command: "deploy" };
    // Act
    const { findings } = run("stale-lock", { now, sstLock, lockUpdate: { id: "ffff00000000aaaaaaaaaaaa" } });
    // Assess
    expect(findings.map((f) => f.severity)).toEqual(["info"]);
    expect(findings[0]!.message).toContain("saved the state 10 min ago");
    // and the same lock with a state last saved before it was taken is stale
    const idle = run("stale-lock", { now: SAVED + 4 * HOUR, sstLock: { ...sstLock, created: new Date(SAVED + 10 * 60_000).toISOString() }, lockUpdate: { id: sstLock.updateID } });
    expect(idle.findings.map((f) => f.severity)).toEqual(["error"]);
  });

  it("empty-state: a stage emptied by a completed `sst remove` is info", () => {
    const onlyStack = cp(gen({ mutate: (rs) => rs.filter((r) => r.type === "pulumi:pulumi:Stack" || r.type.startsWith("pulumi:providers:")) }));
    const removed = completed("aaaa", { command: "remove" });
    const { findings } = run("empty-state", { current: onlyStack, previous: cp(gen()), updates: [removed] });
    expect(findings.map((f) => f.severity)).toEqual(["info"]);
    expect(findings[0]!.message).toContain("sst remove");
  });

  it("update-errors: errors of an update that never saved the state are a warning", () => {
    const failed = { id: "aaaa", command: "deploy", timeStarted: new Date(SAVED + 60_000).toISOString(), errors: [{ message: "Error: build failed: Could not resolve \"./handler\"" }] };
    const { findings } = run("update-errors", { updates: [failed] });
    expect(findings.map((f) => f.severity)).toEqual(["warning"]);
    expect(findings[0]!.message).toContain("did not change the state");
  });
});

describe("update-errors", () => {
  it("reports each error of the last update with its resource", () => {
    const urn = `urn:pulumi:${STAGE}::${APP}::sst:aws:Function$aws:cloudwatch/logGroup:LogGroup::ApiLogGroup`;
    const last = completed("aaaa", { errors: [{ urn, message: "creating CloudWatch Logs Log Group (/aws/lambda/x): ResourceAlreadyExistsException: The specified log group already exists" }] });
    const { findings } = run("update-errors", { updates: [last] });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: "update-errors", severity: "error", urn });
    expect(findings[0]!.fix).toContain("import it");
  });

  it("says nothing when the last update had no errors, even if an older one did", () => {
    const old = completed("bbbb", { errors: [{ message: "boom" }] });
    expect(run("update-errors", { updates: [completed("aaaa"), old] }).findings).toEqual([]);
  });
});

describe("dangling references", () => {
  it("dangling-parent: children of a component that is gone", () => {
    const base = gen();
    const comp = resourcesOf(base).find((r) => r.type === "sst:aws:Function")!;
    const current = cp(gen({ mutate: (rs) => rs.filter((r) => r.urn !== comp.urn) }));
    const { findings } = run("dangling-parent", { current });
    const children = resourcesOf(base).filter((r) => r.parent === comp.urn).map((r) => r.urn);
    expect(children.length).toBeGreaterThan(0);
    expect(findings.map((f) => f.urn).sort()).toEqual(children.sort());
    expect(findings[0]!.severity).toBe("error");
    expect(findings[0]!.message).toContain("refers to missing parent");
    expect(findings[0]!.fix).toContain("`sst state repair --stage prod` deletes");
  });

  it("dangling-dependency: one finding per resource even when the URN is in dependencies and propertyDependencies", () => {
    const base = gen();
    const role = resourcesOf(base).find((r) => r.type === "aws:iam/role:Role")!;
    const current = cp(gen({ mutate: (rs) => rs.filter((r) => r.urn !== role.urn) }));
    const { findings } = run("dangling-dependency", { current });
    const dependents = resourcesOf(base).filter((r) => r.dependencies?.includes(role.urn));
    expect(dependents.length).toBeGreaterThan(0);
    expect(findings.map((f) => f.urn)).toEqual(dependents.map((r) => r.urn));
  });

  it("dangling-provider: a provider reference to a provider not in state", () => {
    const base = gen();
    const victim = resourcesOf(base).find((r) => r.type === "aws:s3/bucketV2:BucketV2")!;
    const current = cp(
      gen({
        mutate: (rs) => {
          rs.find((r) => r.urn === victim.urn)!.provider = `urn:pulumi:${STAGE}::${APP}::pulumi:providers:aws::default_5_0_0::0000-1111`;
        },
      }),
    );
    const { findings } = run("dangling-provider", { current });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.urn).toBe(victim.urn);
    expect(findings[0]!.message).toContain("default_5_0_0");
    expect(findings[0]!.fix).toContain("sst state repair");
  });

  it("a generated state has no dangling references", () => {
    const r = runDiagnosis(input(), { rules: ["dangling-parent", "dangling-dependency", "dangling-provider"] });
    expect(r.findings).toEqual([]);
  });
});

describe("duplicate-urn", () => {
  it("reports a URN that appears twice", () => {
    const base = gen();
    const dup = resourcesOf(base).find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy")!;
    const { findings } = run("duplicate-urn", { current: cp(gen({ mutate: (rs) => [...rs, structuredClone(dup)] })) });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ urn: dup.urn, severity: "error" });
    expect(findings[0]!.message).toContain("2 times");
  });

  it("says nothing about a state with unique URNs", () => {
    expect(run("duplicate-urn", {}).findings).toEqual([]);
  });
});

describe("dependency-order", () => {
  it("reports a resource listed before a resource it depends on", () => {
    const base = gen();
    const rs = resourcesOf(base);
    const fnIndex = rs.findIndex((r) => r.type === "aws:lambda/function:Function");
    const fn = rs[fnIndex]!;
    // move the function to just before its component's first child (before its role and log group)
    const current = cp(
      gen({
        mutate: (list) => {
          const i = list.findIndex((r) => r.urn === fn.urn);
          const [moved] = list.splice(i, 1);
          const at = list.findIndex((r) => r.parent === fn.parent);
          list.splice(at, 0, moved!);
        },
      }),
    );
    const { findings } = run("dependency-order", { current });
    expect(findings.map((f) => f.urn)).toEqual([fn.urn]);
    expect(findings[0]!.message).toContain("snapshot integrity failure");
    expect(findings[0]!.message).toContain("comes after it");
    expect(findings[0]!.fix).toContain("No SST command reorders the state");
    expect(findings[0]!.fix).toContain("sst state edit --stage prod");
  });

  it("says nothing about a state in dependency order", () => {
    expect(run("dependency-order", {}).findings).toEqual([]);
  });
});

describe("integrity-error", () => {
  it("shows the error text Pulumi writes (metadata.integrity_error.error) as an error while the state still fails", () => {
    // Prepare: Pulumi's SnapshotIntegrityErrorMetadataV1 fields, on a state with a duplicate URN
    const w = gen();
    const dup = resourcesOf(w).find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy")!;
    const current = cp(gen({ mutate: (rs) => [...rs, structuredClone(dup)] }));
    current.metadata = { integrity_error: { version: "3", command: "pulumi up --yes", error: `duplicate resource ${dup.urn} (not marked for deletion)` } };
    // Act
    const { findings } = run("integrity-error", { current });
    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]!.severity).toBe("error");
    expect(findings[0]!.message).toContain("(not marked for deletion)");
    expect(findings[0]!.message).toContain("`pulumi up --yes`");
  });

  it("is only info once the state passes Pulumi's checks again", () => {
    const current = cp(gen());
    current.metadata = { integrity_error: { error: "resource X's dependency Y comes after it" } };
    const { findings } = run("integrity-error", { current });
    expect(findings.map((f) => f.severity)).toEqual(["info"]);
    expect(findings[0]!.message).toContain("dependency Y comes after it");
  });

  it("says nothing without it", () => {
    expect(run("integrity-error", {}).findings).toEqual([]);
  });
});

describe("empty-state", () => {
  const onlyStack = () => cp(gen({ mutate: (rs) => rs.filter((r) => r.type === "pulumi:pulumi:Stack" || r.type.startsWith("pulumi:providers:")) }));

  it("reports an empty state written over a version with many resources", () => {
    const { findings } = run("empty-state", { current: onlyStack(), previous: cp(gen()) });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.severity).toBe("error");
    expect(findings[0]!.fix).toContain("sst-state restore prod previous");
  });

  it("says nothing when the previous version was empty too, and notes it cannot compare without one", () => {
    expect(run("empty-state", { current: onlyStack(), previous: onlyStack() }).findings).toEqual([]);
    const none = run("empty-state", { current: onlyStack(), previous: null });
    expect(none.findings).toEqual([]);
    expect(none.skipped).toEqual([{ rule: "empty-state", why: "no previous version to compare with" }]);
  });
});

describe("retained-orphan", () => {
  it("reports a retained table dropped from the state", () => {
    const prev = gen();
    const table = resourcesOf(prev).find((r) => r.retainOnDelete === true)!;
    const current = cp(gen({ mutate: (rs) => rs.filter((r) => r.urn !== table.urn && r.urn !== table.parent) }));
    const { findings } = run("retained-orphan", { current, previous: cp(prev) });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: "warning", urn: table.urn });
    expect(findings[0]!.message).toContain(table.id!);
    expect(findings[0]!.message).toContain("already exists");
    expect(findings[0]!.fix).toContain("import");
    expect(findings[0]!.fix).toContain("delete");
  });

  it("says nothing when retained resources are all still in the state", () => {
    const prev = gen();
    const next = evolveCheckpoint(prev, { seed: 3, add: 8, change: 5 });
    expect(run("retained-orphan", { current: cp(next), previous: cp(prev) }).findings).toEqual([]);
  });
});

describe("fixed-name-collision", () => {
  it("reports a fixed-name log group that moved to a new URN", () => {
    const prev = gen();
    const log = resourcesOf(prev).find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && String(r.id).startsWith("/aws/lambda/"))!;
    const renamed = log.urn.replace(/::([^:]+)$/, "::$1Renamed");
    const current = cp(
      gen({
        mutate: (rs) => {
          rs.find((r) => r.urn === log.urn)!.urn = renamed;
        },
      }),
    );
    const { findings } = run("fixed-name-collision", { current, previous: cp(prev) });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: "warning", urn: renamed });
    expect(findings[0]!.message).toContain(String(log.id));
  });

  it("says nothing about a normal next deploy", () => {
    const prev = gen();
    const next = evolveCheckpoint(prev, { seed: 5, add: 12, remove: 10, change: 8 });
    expect(run("fixed-name-collision", { current: cp(next), previous: cp(prev) }).findings).toEqual([]);
  });
});

describe("route-identity-change", () => {
  const findRoute = (w: Wrapped) => resourcesOf(w).find((r) => r.type === "aws:apigatewayv2/route:Route")!;

  it("reports a route whose URN changed while api id and routeKey stayed", () => {
    const prev = gen();
    const route = findRoute(prev);
    const renamed = route.urn.replace(/::([^:]+)$/, "::$1V2");
    const current = cp(gen({ mutate: (rs) => void (rs.find((r) => r.urn === route.urn)!.urn = renamed) }));
    const { findings } = run("route-identity-change", { current, previous: cp(prev) });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.urn).toBe(renamed);
    expect(findings[0]!.message).toContain("Invalid API identifier");
    expect(findings[0]!.fix).toMatch(/Remove the route.*deploy.*add it back.*deploy/);
  });

  it("reports the same route twice in the current state as an error", () => {
    const prev = gen();
    const route = findRoute(prev);
    const copy = { ...structuredClone(route), urn: route.urn.replace(/::([^:]+)$/, "::$1Dup") };
    const { findings } = run("route-identity-change", { current: cp(gen({ mutate: (rs) => [...rs, copy] })), previous: null });
    expect(findings.map((f) => f.severity)).toEqual(["error"]);
  });

  it("says nothing when route keys change under the same URNs", () => {
    const prev = gen();
    const next = evolveCheckpoint(prev, { seed: 9, add: 10, change: 40 });
    expect(run("route-identity-change", { current: cp(next), previous: cp(prev) }).findings).toEqual([]);
  });
});

describe("state-bloat", () => {
  it("reports very many object versions and snapshots without retention", () => {
    const { findings } = run("state-bloat", { objectVersionCount: 12_001, snapshotCount: 812 });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.fix).toContain("state: { retention:");
    expect(findings[0]!.message).toContain("812 snapshots");
  });

  it("says nothing with small counts or with retention in effect; skips when counts are unknown", () => {
    expect(run("state-bloat", { objectVersionCount: 300, snapshotCount: 40 }).findings).toEqual([]);
    expect(run("state-bloat", { objectVersionCount: 20_000, snapshotCount: 900, retentionEvidence: true }).findings).toEqual([]);
    expect(run("state-bloat", {}).skipped).toHaveLength(1);
  });
});

describe("router-kv-drift", () => {
  const current = () => cp(gen());
  const kvFrom = (c: Checkpoint, drop?: string) => {
    const stores = new Map<string, Record<string, string[]>>();
    for (const ref of routeEntriesOf(c.resources)) {
      const routes = stores.get(ref.kvStoreArn) ?? {};
      stores.set(ref.kvStoreArn, routes);
      if (ref.urn !== drop) (routes[ref.kvKey] ??= []).push(ref.entry);
    }
    return [...stores].map(([kvStoreArn, routes]) => ({ kvStoreArn, routes }));
  };

  it("reports a route entry missing from the KV store", () => {
    const c = current();
    const refs = routeEntriesOf(c.resources);
    expect(refs.length).toBeGreaterThan(1);
    const missing = refs[1]!.urn;
    const { findings } = run("router-kv-drift", { current: c, probes: { routerKv: { ok: true, value: kvFrom(c, missing) } } });
    expect(findings.map((f) => f.urn)).toEqual([missing]);
    expect(findings[0]!.severity).toBe("error");
    expect(findings[0]!.fix).toContain("sst state remove");
  });

  it("says nothing when every entry is there; notes why when the probe did not run", () => {
    const c = current();
    expect(run("router-kv-drift", { current: c, probes: { routerKv: { ok: true, value: kvFrom(c) } } }).findings).toEqual([]);
    const denied = run("router-kv-drift", { current: c, probes: { routerKv: { ok: false, why: "access denied: cloudfront-keyvaluestore:ListKeys" } } });
    expect(denied.findings).toEqual([]);
    expect(denied.skipped).toEqual([{ rule: "router-kv-drift", why: "access denied: cloudfront-keyvaluestore:ListKeys" }]);
  });
});

describe("untracked-resources", () => {
  const arnsOf = (c: Checkpoint) => c.resources.map((r) => r.outputs?.arn).filter((a): a is string => typeof a === "string");

  it("reports a tagged resource the state does not know", () => {
    const c = cp(gen());
    const extra = "arn:aws:dynamodb:us-east-1:123456789012:table/shop-prod-OldTable-abc123";
    const { findings } = run("untracked-resources", { current: c, probes: { tagged: { ok: true, value: [...arnsOf(c), extra] } } });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain(extra);
    expect(findings[0]!.severity).toBe("warning");
  });

  it("says nothing when every tagged ARN is in the state (log group ARNs with :*), skips without the probe", () => {
    const c = cp(gen());
    const tagged = arnsOf(c).map((a) => (a.includes(":log-group:") ? `${a}:*` : a));
    expect(run("untracked-resources", { current: c, probes: { tagged: { ok: true, value: tagged } } }).findings).toEqual([]);
    expect(run("untracked-resources", { current: c }).skipped[0]!.rule).toBe("untracked-resources");
  });
});
