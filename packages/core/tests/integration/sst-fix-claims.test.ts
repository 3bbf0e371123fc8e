/**
 * Every claim a fix text makes about an SST command, checked on the real SST 4.17.1 CLI (offline, on
 * a local home): the command runs on a state with the problem, and the state it leaves is read back.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fromJson, type Checkpoint, type Resource } from "../../state/index.ts";
import { generateCheckpoint } from "@sst-state/test-kit/generate";
import { runDiagnosis, type DiagnosisInput, type Finding } from "../../diagnosis/index.ts";
import { createSstHome, sstAvailable } from "@sst-state/test-kit/sst-cli";

const APP = "shop";
const STAGE = "s";

type Wrapped = ReturnType<typeof generateCheckpoint>;
const gen = (mutate?: (rs: Resource[]) => Resource[] | void): Wrapped => generateCheckpoint({ app: APP, stage: STAGE, resources: 60, seed: 5, ...(mutate ? { mutate } : {}) });
const resourcesOf = (w: { checkpoint: unknown }): Resource[] => (w.checkpoint as { latest: { resources: Resource[] } }).latest.resources;

function structure(cp: Checkpoint, rule: string): Finding[] {
  const input: DiagnosisInput = { app: APP, stage: STAGE, now: Date.now(), current: cp, previous: null, sstLock: null, lockUpdate: null, updates: [], objectVersionCount: null, snapshotCount: null };
  return runDiagnosis(input, { rules: [rule] }).findings;
}
const parse = (w: unknown): Checkpoint => fromJson(structuredClone(w), 0);

// each SST command takes a few seconds here (it tries to send telemetry and fails offline)
describe.runIf(sstAvailable())("fix texts agree with what SST 4.17.1 does", { timeout: 120_000 }, () => {
  it("dangling-parent: `sst state repair` deletes the child and what is under it, and nothing else", async () => {
    // Prepare: a Function component gone, its children left behind
    const comp = resourcesOf(gen()).find((r) => r.type === "sst:aws:Function")!;
    const broken = gen((rs) => rs.filter((r) => r.urn !== comp.urn));
    const before = parse(broken);
    const findings = structure(before, "dangling-parent");
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]!.fix).toContain(`\`sst state repair --stage ${STAGE}\` deletes`);
    const orphans = new Set(findings.map((f) => f.urn));
    // resources under an orphan, listed after it, go too
    for (const r of before.resources) if (r.parent && orphans.has(r.parent)) orphans.add(r.urn);
    const home = createSstHome(APP);
    home.writeState(STAGE, broken);
    // Act
    const res = await home.run(["state", "repair", "--stage", STAGE], { input: "y\n" });
    // Assess
    expect(res.stdout + res.stderr).toContain("State repaired");
    const after = home.readState(STAGE).checkpoint.latest.resources.map((r) => r.urn as string);
    expect(after).toEqual(before.resources.map((r) => r.urn).filter((u) => !orphans.has(u)));
    expect(structure(parse(home.readState(STAGE)), "dangling-parent")).toEqual([]);
  });

  it("dangling-dependency: repair drops missing dependencies and property dependencies, and leaves deletedWith", async () => {
    // Prepare
    const base = resourcesOf(gen());
    const dependent = base.find((r) => (r.dependencies ?? []).length > 0)!;
    const other = base.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy")!;
    const ghost = `urn:pulumi:${STAGE}::${APP}::aws:s3/bucketV2:BucketV2::Ghost`;
    const broken = gen((rs) => {
      const d = rs.find((r) => r.urn === dependent.urn)!;
      d.dependencies = [...d.dependencies!, ghost];
      d.propertyDependencies = { ...(d.propertyDependencies ?? {}), ghostProp: [ghost] };
      rs.find((r) => r.urn === other.urn)!.deletedWith = ghost;
    });
    const findings = structure(parse(broken), "dangling-dependency");
    expect(findings.map((f) => f.urn).sort()).toEqual([dependent.urn, other.urn].sort());
    expect(findings.find((f) => f.urn === dependent.urn)!.fix).toContain("drops the entries naming `Ghost`");
    expect(findings.find((f) => f.urn === other.urn)!.fix).toContain("No SST command fixes `deletedWith`");
    const home = createSstHome(APP);
    home.writeState(STAGE, broken);
    // Act
    const res = await home.run(["state", "repair", "--stage", STAGE], { input: "y\n" });
    // Assess
    expect(res.stdout + res.stderr).toContain("State repaired");
    const after = parse(home.readState(STAGE));
    const d = after.resources.find((r) => r.urn === dependent.urn)!;
    expect(d.dependencies).toEqual(dependent.dependencies);
    expect(d.propertyDependencies?.ghostProp ?? []).toEqual([]);
    expect(after.resources.find((r) => r.urn === other.urn)!.deletedWith).toBe(ghost);
    expect(structure(after, "dangling-dependency").map((f) => f.urn)).toEqual([other.urn]);
  });

  it("dependency-order, dangling-provider, manifest-magic: repair changes none of them", async () => {
    // Prepare: a function listed before its role, a bucket naming another id of its provider, a
    // manifest whose magic does not match
    const base = resourcesOf(gen());
    const fn = base.find((r) => r.type === "aws:lambda/function:Function")!;
    const bucket = base.find((r) => r.type === "aws:s3/bucketV2:BucketV2")!;
    const broken = gen((rs) => {
      const i = rs.findIndex((r) => r.urn === fn.urn);
      const [moved] = rs.splice(i, 1);
      rs.splice(rs.findIndex((r) => r.parent === fn.parent), 0, moved!);
      const b = rs.find((r) => r.urn === bucket.urn)!;
      b.provider = `${b.provider!.slice(0, b.provider!.lastIndexOf("::"))}::00000000-0000-0000-0000-000000000000`;
    });
    (broken.checkpoint as { latest: { manifest: { magic: string } } }).latest.manifest.magic = "0".repeat(64);
    const before = parse(broken);
    const rules = ["dependency-order", "dangling-provider", "manifest-magic"];
    const found = rules.map((r) => structure(before, r));
    expect(found.map((f) => f.length)).toEqual([1, 1, 1]);
    expect(found[0]![0]!.fix).toContain("`sst state repair` does not");
    expect(found[1]![0]!.fix).toContain("`sst state repair` leaves them");
    expect(found[2]![0]!.fix).toContain("`sst state repair` keeps it");
    const home = createSstHome(APP);
    home.writeState(STAGE, broken);
    // Act
    const res = await home.run(["state", "repair", "--stage", STAGE], { input: "y\n" });
    // Assess
    expect(res.stdout + res.stderr).toContain("No changes made");
    const after = parse(home.readState(STAGE));
    expect(after.resources.map((r) => r.urn)).toEqual(before.resources.map((r) => r.urn));
    expect(rules.map((r) => structure(after, r))).toEqual(found);
  });

  it("manifest-magic: the value the fix names, saved through `sst state edit`, is the one Pulumi expects", async () => {
    // Prepare
    const broken = gen();
    (broken.checkpoint as { latest: { manifest: { magic: string } } }).latest.manifest.magic = "f".repeat(64);
    const [finding] = structure(parse(broken), "manifest-magic");
    const magic = /set `checkpoint\.latest\.manifest\.magic` to `"([0-9a-f]*)"`/.exec(finding!.fix)![1]!;
    const home = createSstHome(APP);
    home.writeState(STAGE, broken);
    const editor = join(home.dir, "set-magic.mjs");
    writeFileSync(
      editor,
      `#!/usr/bin/env node\nimport { readFileSync, writeFileSync } from "node:fs";\nconst p = process.argv[2];\nconst s = JSON.parse(readFileSync(p, "utf8"));\ns.checkpoint.latest.manifest.magic = ${JSON.stringify(magic)};\nwriteFileSync(p, JSON.stringify(s));\n`,
    );
    chmodSync(editor, 0o755);
    // Act
    const res = await home.run(["state", "edit", "--stage", STAGE], { env: { EDITOR: editor } });
    // Assess
    expect(res.code).toBe(0);
    const after = parse(home.readState(STAGE));
    expect(after.manifest.magic).toBe(magic);
    expect(structure(after, "manifest-magic")).toEqual([]);
  });

  it("duplicate-urn: `sst state remove <name>` removes every copy, so the fix does not offer it", async () => {
    // Prepare
    const policy = resourcesOf(gen()).find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy")!;
    const broken = gen((rs) => [...rs, { ...structuredClone(policy), id: "other-id" }]);
    const [finding] = structure(parse(broken), "duplicate-urn");
    expect(finding!.fix).toContain("Not `sst state remove`: it removes every copy");
    const home = createSstHome(APP);
    home.writeState(STAGE, broken);
    const name = policy.urn.split("::").slice(3).join("::");
    // Act
    const res = await home.run(["state", "remove", name, "--stage", STAGE], { input: "y\n" });
    // Assess
    expect(res.code).toBe(0);
    expect(parse(home.readState(STAGE)).resources.filter((r) => r.urn === policy.urn)).toEqual([]);
  });
});
