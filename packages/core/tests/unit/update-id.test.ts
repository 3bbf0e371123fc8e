import { describe, expect, it } from "vitest";
import { isUpdateId, makeUpdateId, updateIdTime } from "../../state/update-id.ts";

describe("updateID", () => {
  it("encodes the start time so that ascending order is newest first", () => {
    // Prepare
    const older = makeUpdateId(Date.UTC(2026, 0, 1));
    const newer = makeUpdateId(Date.UTC(2026, 5, 1));
    // Act / Assess
    expect(isUpdateId(older)).toBe(true);
    expect(updateIdTime(older)).toBe(Date.UTC(2026, 0, 1));
    expect([older, newer].sort()[0]).toBe(newer);
  });
  it("rejects strings that are not 24 lowercase hex characters", () => {
    expect(isUpdateId("ABCDEF0123456789abcdef01")).toBe(false);
    expect(isUpdateId("abc")).toBe(false);
  });
});
