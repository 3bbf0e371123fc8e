/**
 * The deploy feed's messages under hostile and oversized input: every state-derived text escaped
 * (no mention, no link), every message within Slack's limits, the full diff kept for the thread.
 */
import { describe, expect, it } from "vitest";
import type { DeployEvent } from "@sst-state/core/feed";
import type { DiffReport } from "@sst-state/core/report-types";
import { limitViolations } from "../../render/limits.ts";
import { renderDeployDetails, renderDeployEvent } from "../../render/deploy-feed.ts";

const HOSTILE = "<!channel> <https://evil.example|click> & `x`";
const base = { app: "shop", stage: "prod", updateId: "fe5dd31c51a48974a894e600", command: `deploy ${HOSTILE}`, startedAt: "2026-11-30T12:00:00.000Z", sstVersion: HOSTILE, runId: HOSTILE };
const urn = (i: number) => `urn:pulumi:prod::shop::aws:s3/bucket:Bucket::B${i}${HOSTILE}`;
const bigDiff: DiffReport = {
  from: "fe5dd4",
  to: "fe5dd3",
  added: Array.from({ length: 3_000 }, (_, i) => urn(i)),
  removed: Array.from({ length: 2_000 }, (_, i) => urn(i + 5_000)),
  changed: Array.from({ length: 2_000 }, (_, i) => ({ urn: urn(i + 9_000), paths: Array.from({ length: 40 }, (_, j) => `inputs.p${j}${HOSTILE}`) })),
  unchanged: 10,
};

const events: DeployEvent[] = [
  { ...base, phase: "started" },
  { ...base, phase: "finished", completedAt: "2026-11-30T12:02:10Z", durationMs: 130_000, diff: bigDiff },
  { ...base, phase: "failed", completedAt: "2026-11-30T12:02:10Z", durationMs: 130_000, endedWithoutRecord: false, diff: null, errors: Array.from({ length: 300 }, (_, i) => ({ urn: urn(i), message: `${HOSTILE} ${"x".repeat(20_000)} #${i}` })) },
  { ...base, phase: "stuck", idleMs: 3_600_000, thresholdMs: 1_800_000, completedButLocked: false },
];

describe("deploy feed messages", () => {
  it.each(events.map((e) => [e.phase, e] as const))("%s: within Slack's limits, with nothing from the state able to mention or link", (_phase, e) => {
    // Act
    const m = renderDeployEvent(e, { now: Date.parse("2026-11-30T13:00:00Z") });
    const details = renderDeployDetails(e);
    // Assess
    expect(limitViolations(m)).toEqual([]);
    const all = JSON.stringify(m);
    expect(all).not.toContain("<!channel>");
    expect(all).not.toContain("<https://evil");
    // the thread reply's checks below run for the events that have one (these finished and failed
    // events do: a big diff, 300 errors), not never
    expect(details !== null).toBe(e.phase === "finished" || e.phase === "failed");
    if (details) {
      expect(limitViolations(details.message as never)).toEqual([]);
      expect(JSON.stringify(details.message)).not.toContain("<!channel>");
    }
  });

  it("a finished deploy says its counts in the notification text, and a diff too large for a message goes to the thread in full", () => {
    // Act
    const finished = events[1]!;
    const m = renderDeployEvent(finished);
    const details = renderDeployDetails(finished)!;
    // Assess
    expect(m.text).toBe(`deploy ${HOSTILE.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")} of prod finished in 2m 10s: 3,000 added, 2,000 removed, 2,000 changed`);
    expect(details.file?.content.split("\n").filter((l) => l.startsWith("+ ")).length).toBe(3_000);
  });
});
