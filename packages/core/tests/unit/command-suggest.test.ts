import { describe, expect, it } from "vitest";
import { editDistance, suggestClosest, VERBS, helpOf } from "../../command/index.ts";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent swaps", () => {
    expect(editDistance("status", "status")).toBe(0);
    expect(editDistance("stauts", "status")).toBe(1);
    expect(editDistance("histroy", "history")).toBe(1);
    expect(editDistance("dif", "diff")).toBe(1);
    expect(editDistance("", "lock")).toBe(4);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});

describe("suggestClosest", () => {
  it("finds the verb a typo was meant to be", () => {
    expect(suggestClosest("stats", VERBS)).toBe("status");
    expect(suggestClosest("unlcok", VERBS)).toBe("unlock");
    expect(suggestClosest("lcks", VERBS)).toBe("locks");
  });

  it("suggests a stage or app among those that exist, case-insensitively", () => {
    const stages = ["production", "staging", "dev", "pr-123"];
    expect(suggestClosest("prod", stages)).toBe("production");
    expect(suggestClosest("STAGNG", stages)).toBe("staging");
    expect(suggestClosest("Dev", stages)).toBe("dev");
  });

  it("suggests nothing when no candidate is plausibly meant", () => {
    expect(suggestClosest("banana", VERBS)).toBeUndefined();
    expect(suggestClosest("x", ["production"])).toBeUndefined();
    expect(suggestClosest("prod", [])).toBeUndefined();
  });
});

describe("help entries", () => {
  it("cover every verb once, each with a usage and an example", () => {
    // Act
    const slack = helpOf("slack");
    const cli = helpOf("cli");
    // Assess
    expect(slack.map((h) => h.verb)).toEqual([...VERBS]);
    for (const h of [...slack, ...cli]) {
      expect(h.usage.startsWith(h.verb)).toBe(true);
      expect(h.summary.length).toBeGreaterThan(0);
      expect(h.examples.length).toBeGreaterThan(0);
    }
  });
});
