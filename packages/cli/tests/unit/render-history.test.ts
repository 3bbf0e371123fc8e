import { describe, expect, it } from "vitest";
import type { HistoryReport } from "@sst-state/core/report-types";
import { createStyle } from "../../output.ts";
import { renderHistory } from "../../render/history.ts";

describe("renderHistory", () => {
  it("says the current state differs from the newest snapshot only (that is the only one compared)", () => {
    // Prepare: after a restore, the current state equals an older snapshot but not the newest
    const report: HistoryReport = {
      app: "shop",
      stage: "prod",
      versions: [
        { id: "current", kind: "current", time: "2026-01-15T12:00:00.000Z", isCurrent: true, command: null, completed: null, errors: 0, version: null },
        { id: "fe643fc1d6a6c2144fd5bb9b", kind: "snapshot", time: "2026-01-15T06:00:00.000Z", isCurrent: false, command: "deploy", completed: true, errors: 0, version: "4.17.1" },
      ],
    };
    // Act
    const text = renderHistory(report, createStyle(false), Date.UTC(2026, 0, 15, 13));
    // Assess
    expect(text).not.toContain("every snapshot");
    expect(text).toContain("differs from the newest snapshot");
  });
});
