/**
 * The hostile-input suite reports its counts: every test file under packages/<pkg>/tests/hostile
 * keeps a tally, reports it (printed, and totalled at the end of the run by
 * scripts/test/global-setup.ts) and fails unless nothing was lost.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers.ts";

const hostileFiles = readdirSync(join(repoRoot, "packages"))
  .flatMap((pkg) => {
    try {
      return readdirSync(join(repoRoot, "packages", pkg, "tests", "hostile")).map((f) => join("packages", pkg, "tests", "hostile", f));
    } catch {
      return [];
    }
  })
  .filter((f) => f.endsWith(".test.ts"));

describe("the hostile-input suite", () => {
  it("has test files", () => {
    expect(hostileFiles.length).toBeGreaterThan(5);
  });

  it.each(hostileFiles)("%s keeps a tally, reports tries/held/lost, and requires lost = 0", (file) => {
    // Prepare
    const text = readFileSync(join(repoRoot, file), "utf8");
    // Assess: as many reports and lost = 0 checks as tallies
    const tallies = text.match(/createTally\(/g)?.length ?? 0;
    expect(tallies).toBeGreaterThan(0);
    expect(text.match(/\btally\.report\(\)/g)?.length).toBe(tallies);
    expect(text.match(/expect\(tally\.lost\)\.toEqual\(\[\]\)/g)?.length).toBe(tallies);
  });
});
