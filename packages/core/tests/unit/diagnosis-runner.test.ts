import { describe, expect, it } from "vitest";
import { collectSecretMaterial, fromJson, type Resource } from "../../state/index.ts";
import { evolveCheckpoint, generateCheckpoint } from "@sst-state/test-kit/generate";
import { exitCodeOf, renderDiagnosisMessage, renderDiagnosisText, routeEntriesOf, runDiagnosis, type DiagnosisInput, type Rule } from "../../diagnosis/index.ts";
import { UsageError } from "../../errors.ts";

const NOW = Date.UTC(2025, 5, 3, 12, 0, 0);
const cp = (w: object) => fromJson(structuredClone(w), 0);

function cleanStage(resources = 400) {
  const prev = generateCheckpoint({ app: "shop", stage: "prod", resources, seed: 21 });
  const next = evolveCheckpoint(prev, { seed: 4, add: 12, change: 10 });
  return { prev, next };
}

function fullProbes(c: ReturnType<typeof cp>): DiagnosisInput["probes"] {
  const stores = new Map<string, Record<string, string[]>>();
  for (const ref of routeEntriesOf(c.resources)) {
    const routes = stores.get(ref.kvStoreArn) ?? {};
    stores.set(ref.kvStoreArn, routes);
    (routes[ref.kvKey] ??= []).push(ref.entry);
  }
  const arns = c.resources.map((r) => r.outputs?.arn).filter((a): a is string => typeof a === "string");
  return { routerKv: { ok: true, value: [...stores].map(([kvStoreArn, routes]) => ({ kvStoreArn, routes })) }, tagged: { ok: true, value: arns } };
}

function baseInput(over: Partial<DiagnosisInput> = {}): DiagnosisInput {
  const { prev, next } = cleanStage();
  const current = cp(next);
  return {
    app: "shop",
    stage: "prod",
    now: NOW,
    current,
    previous: cp(prev),
    sstLock: null,
    lockUpdate: null,
    updates: [{ id: "aaaa", command: "deploy", errors: [], timeStarted: "2025-06-02T10:30:00Z", timeCompleted: "2025-06-02T10:32:00Z" }],
    objectVersionCount: 840,
    snapshotCount: 31,
    probes: fullProbes(current),
    ...over,
  };
}

describe("runDiagnosis", () => {
  it("finds no errors (and nothing at all, nothing skipped) in a clean generated stage", () => {
    // Prepare
    const input = baseInput();
    // Act
    const report = runDiagnosis(input);
    // Assess
    expect(report.app).toBe("shop");
    expect(report.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(report.findings).toEqual([]);
    expect(report.skipped).toEqual([]);
    expect(exitCodeOf(report)).toBe(0);
  });

  it("sorts findings error → warning → info", () => {
    const { prev } = cleanStage();
    const table = (cp(prev).resources as Resource[]).find((r) => r.retainOnDelete)!;
    const current = cp(evolveCheckpoint(prev, { seed: 4, add: 4 }));
    current.resources = current.resources.filter((r) => r.urn !== table.urn);
    current.resources.push(structuredClone(current.resources.at(-1)!)); // a duplicate URN: Pulumi refuses
    current.metadata = { integrity_error: { error: "broken" } };
    const input = baseInput({
      current,
      previous: cp(prev),
      probes: fullProbes(current),
      sstLock: { created: new Date(NOW - 60_000).toISOString(), updateID: "bbbb" },
      lockUpdate: { id: "bbbb" },
    });
    const report = runDiagnosis(input);
    expect(report.findings.map((f) => f.severity)).toEqual(["error", "error", "warning", "info"]);
    expect(report.findings.map((f) => f.rule)).toEqual(["duplicate-urn", "integrity-error", "retained-orphan", "stale-lock"]);
    expect(exitCodeOf(report)).toBe(1);
  });

  it("caps findings per rule and summarizes the rest", () => {
    const { next } = cleanStage();
    const current = cp(next);
    const comps = new Set(current.resources.filter((r) => r.type.startsWith("sst:aws:")).map((r) => r.urn));
    current.resources = current.resources.filter((r) => !comps.has(r.urn));
    const all = runDiagnosis(baseInput({ current, probes: fullProbes(current) }), { rules: ["dangling-parent"] });
    const capped = runDiagnosis(baseInput({ current, probes: fullProbes(current) }), { rules: ["dangling-parent"], maxPerRule: 5 });
    expect(all.findings.length).toBeGreaterThan(6);
    expect(capped.findings).toHaveLength(6);
    expect(capped.findings[5]!.message).toContain(`${all.findings.length - 5} more dangling-parent findings`);
  });

  it("reports a rule that throws as skipped instead of failing", () => {
    const broken: Rule = { name: "broken", group: "structure", description: "x", run: () => { throw new Error("boom"); } };
    const report = runDiagnosis(baseInput(), { rules: [broken, "duplicate-urn"] });
    expect(report.skipped).toEqual([{ rule: "broken", why: "the rule failed: boom" }]);
    expect(report.findings).toEqual([]);
  });

  it("rejects an unknown rule name with the list of rules", () => {
    expect(() => runDiagnosis(baseInput(), { rules: ["no-such-rule"] })).toThrow(UsageError);
  });

  it("never puts a secret's ciphertext in a finding", () => {
    // Prepare: a state full of problems whose resources carry secrets, and records that quote them
    const { prev } = cleanStage();
    const current = cp(evolveCheckpoint(prev, { seed: 8, add: 6, remove: 30 }));
    const withSecret = current.resources.find((r) => JSON.stringify(r).includes("ciphertext"))!;
    const material = collectSecretMaterial(current.raw);
    expect(material.length).toBeGreaterThan(5);
    const leaked = material[0]!;
    current.pendingOperations = [{ type: "creating", resource: withSecret }, { type: "updating", resource: withSecret }];
    current.resources.unshift(structuredClone(current.resources.at(-1)!)); // out of order and duplicated
    current.resources.push(structuredClone(withSecret));
    current.metadata = { integrity_error: { error: `bad value ${leaked}` } };
    const input = baseInput({
      current,
      previous: cp(prev),
      probes: { routerKv: { ok: true, value: [] }, tagged: { ok: true, value: ["arn:aws:s3:::leftover"] } },
      sstLock: { created: new Date(NOW - 9 * 3_600_000).toISOString(), updateID: "cccc" },
      lockUpdate: { id: "cccc" },
      updates: [{ id: "cccc", command: "deploy" }, { id: "dddd", errors: [{ urn: withSecret.urn, message: `invalid value ${leaked} for env` }] }],
      objectVersionCount: 20_000,
      snapshotCount: 900,
    });
    // Act
    const report = runDiagnosis(input);
    const text = JSON.stringify(report) + renderDiagnosisText(report) + (renderDiagnosisMessage(report).attachment ?? "");
    // Assess
    expect(report.findings.length).toBeGreaterThan(8);
    for (const m of collectSecretMaterial(input.current.raw).concat(collectSecretMaterial(input.previous!.raw))) expect(text).not.toContain(m);
  });
});

describe("rendering", () => {
  it("groups by severity with fixes and says when nothing is wrong", () => {
    const report = {
      app: "shop",
      stage: "prod",
      findings: [
        { rule: "stale-lock", severity: "error" as const, message: "lock is old", fix: "sst unlock --stage prod" },
        { rule: "state-bloat", severity: "warning" as const, message: "many versions", fix: "set retention" },
      ],
      skipped: [{ rule: "untracked-resources", why: "no AWS access is configured" }],
    };
    const text = renderDiagnosisText(report);
    expect(text.indexOf("*Errors* (1)")).toBeLessThan(text.indexOf("*Warnings* (1)"));
    expect(text).toContain("fix: sst unlock --stage prod");
    expect(text).toContain("untracked-resources: no AWS access is configured");
    expect(renderDiagnosisText({ ...report, findings: [], skipped: [] })).toBe("Diagnosis of shop/prod: no problems found.");
  });

  it("keeps a long report's message short and attaches the full text", () => {
    const findings = Array.from({ length: 200 }, (_, i) => ({ rule: "dangling-parent", severity: "error" as const, message: `resource ${i} names a parent that is gone`, fix: "sst state repair --stage prod" }));
    const { message, attachment } = renderDiagnosisMessage({ app: "shop", stage: "prod", findings, skipped: [] });
    expect(message.text.length).toBeLessThanOrEqual(3_500);
    expect(attachment).toContain("resource 199 names");
  });
});
