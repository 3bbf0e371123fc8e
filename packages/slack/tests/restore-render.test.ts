import { describe, expect, it } from "vitest";
import { parseConfig } from "@sst-state/core/config";
import type { RestoreRequest } from "@sst-state/core/restore";
import { limitViolations } from "../render/limits.ts";
import { renderDecisionReply, renderRestoreConfirmation, renderRestoreRequest } from "../render/restore.ts";

const policy = parseConfig(JSON.stringify({ stages: { prod: { approvers: ["U0BOB", "S0SRE"] } } })).policy("prod");
const longUrn = (i: number) => `urn:pulumi:prod::shop::sst:aws:Function$aws:lambda/function:Function::${"VeryLongFunctionName".repeat(8)}${i}`;

function request(over: Partial<RestoreRequest> = {}): RestoreRequest {
  return {
    id: "rr-0011223344556677",
    app: "shop",
    stage: "prod",
    requester: "U0ALICE",
    source: "slack",
    target: { selector: "previous", id: "fe6440fcfe905cd31c814a3c", label: "update fe6440fcfe905cd31c814a3c (deploy, 2026-01-15 00:16 UTC)", kind: "snapshot", time: "2026-01-15T00:16:00.000Z", resources: 22, sha256: "a".repeat(64) },
    current: { token: "t", label: "update fe643fbd64073d3b093982c7 (deploy, 2026-01-15 06:05 UTC)", time: "2026-01-15T06:05:00.000Z", resources: 24, selector: "fe643fbd64073d3b093982c7" },
    diff: {
      added: 300,
      removed: 200,
      changed: 100,
      unchanged: 5,
      top: Array.from({ length: 20 }, (_, i) => ({ kind: "changed" as const, urn: longUrn(i), paths: ["inputs.environment.variables.DB_PASSWORD", "outputs.arn", "inputs.code", "inputs.role", "inputs.timeout"], secrets: ["inputs.environment.variables.DB_PASSWORD"] })),
    },
    createdAt: "2026-01-15T12:00:00.000Z",
    expiresAt: "2026-01-15T12:30:00.000Z",
    status: "pending",
    ...over,
  };
}

describe("restore messages", () => {
  it("a pending request with a huge diff fits Slack's limits and carries Approve / Reject with the request id", () => {
    const m = renderRestoreRequest(request(), policy);
    expect(limitViolations(m)).toEqual([]);
    const json = JSON.stringify(m.blocks);
    expect(json).toContain('"action_id":"restore_approve","value":"rr-0011223344556677"');
    expect(json).toContain('"action_id":"restore_reject","value":"rr-0011223344556677"');
    expect(json).toContain("(secret changed)");
    expect(json).toContain("the full diff is in the thread");
    expect(json).toContain("<!subteam^S0SRE>");
  });

  it("a decided request loses its buttons and says the outcome", () => {
    const m = renderRestoreRequest(request({ status: "rejected", decidedBy: "U0BOB", reason: "<!channel> not now" }), policy);
    const json = JSON.stringify(m.blocks);
    expect(json).not.toContain("restore_approve");
    expect(json).toMatch(/Rejected by <@U0BOB>: &lt;!channel&gt; not now/);
  });

  it("the confirmation names the next step and offers the undo only when the previous version can be named", () => {
    const done = request({ status: "done", decidedBy: "U0BOB", result: { finishedAt: "2026-01-15T12:05:00.000Z", previousSelector: "fe643fbd64073d3b093982c7" } });
    const withUndo = JSON.stringify(renderRestoreConfirmation(done).blocks);
    expect(withUndo).toContain("run `sst refresh --stage prod`");
    expect(withUndo).toContain('"action_id":"restore_undo","value":"rr-0011223344556677"');
    const withoutUndo = JSON.stringify(renderRestoreConfirmation({ ...done, result: { finishedAt: "2026-01-15T12:05:00.000Z" } }).blocks);
    expect(withoutUndo).not.toContain("restore_undo");
    expect(limitViolations(renderRestoreConfirmation(done))).toEqual([]);
  });

  it("the loser of a race is told who approved", () => {
    const m = renderDecisionReply({ kind: "already-decided", request: request({ status: "done", decidedBy: "U0BOB", decidedAt: "2026-01-15T12:01:00.000Z" }) });
    expect(m.blocks[0]).toMatchObject({ text: { text: expect.stringMatching(/already approved by <@U0BOB>/) } });
  });

  it("keeps the punctuation in the plain-text fallback: times keep their colons, emoji codes and markers go", () => {
    // Act
    const m = renderDecisionReply({ kind: "already-decided", request: request({ status: "done", decidedBy: "U0BOB", decidedAt: "2026-01-15T17:25:00.000Z" }) });
    // Assess
    expect(m.text).toContain("at 2026-01-15 17:25 UTC");
    expect(m.text).not.toMatch(/:information_source:|\*/);
    expect(m.text.startsWith("This restore was already approved")).toBe(true);
  });

  it("an unknown request id says what to do next", () => {
    // Act
    const m = renderDecisionReply({ kind: "not-found", id: "rr-00" });
    // Assess
    expect(JSON.stringify(m.blocks)).toMatch(/\/sst-state restore (<|&lt;)stage(>|&gt;) (<|&lt;)version/);
  });
});
