import { describe, expect, it } from "vitest";
import { fromJson, type Resource } from "../../state/index.ts";
import { generateCheckpoint } from "@sst-state/test-kit/generate";
import { compareVersions } from "../../diagnosis/state-index.ts";

const res = (name: string, extra: Partial<Resource> = {}): Resource => ({ urn: `urn:pulumi:prod::shop::t::${name}`, type: "t", ...extra });
const cpOf = (resources: Resource[]) => fromJson({ version: 3, checkpoint: { stack: "organization/shop/prod", latest: { resources } } }, 0);

describe("compareVersions", () => {
  it("finds what was removed and added, whatever the order", () => {
    // Prepare: b removed, x and y added, d moved to the front
    const prev = cpOf(["a", "b", "c", "d", "e"].map((n) => res(n)));
    const cur = cpOf(["d", "a", "x", "c", "e", "y"].map((n) => res(n)));
    // Act
    const { removed, added } = compareVersions(cur, prev);
    // Assess
    expect(removed.map((r) => r.urn.split("::").at(-1))).toEqual(["b"]);
    expect(added.map((r) => r.urn.split("::").at(-1))).toEqual(["x", "y"]);
  });

  it("agrees with a plain set difference on a generated and shuffled state", () => {
    const w = generateCheckpoint({ app: "shop", stage: "prod", resources: 600, seed: 2 });
    const all = (w.checkpoint as { latest: { resources: Resource[] } }).latest.resources;
    const prevList = all.filter((_, i) => i % 7 !== 3);
    const curList = all.filter((_, i) => i % 5 !== 1);
    for (let i = curList.length - 1; i > 0; i -= 3) [curList[i], curList[i - 2]] = [curList[i - 2]!, curList[i]!];
    const { removed, added } = compareVersions(cpOf(curList), cpOf(prevList));
    const curSet = new Set(curList.map((r) => r.urn));
    const prevSet = new Set(prevList.map((r) => r.urn));
    expect(removed.map((r) => r.urn)).toEqual(prevList.filter((r) => !curSet.has(r.urn)).map((r) => r.urn));
    expect(added.map((r) => r.urn).sort()).toEqual(curList.filter((r) => !prevSet.has(r.urn)).map((r) => r.urn).sort());
  });
});
