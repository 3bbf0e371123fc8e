/**
 * The layout holds the design (issue: "product code holds product code", "no import cycles"):
 * - no product source imports the test kit (tests and benchmarks do);
 * - product modules import each other without cycles (a cycle makes load order matter and hides
 *   which module owns what);
 * - Block Kit is built only by the Slack renderers (packages/slack/render).
 * Product sources: every `.ts` under packages/ outside a `tests/` folder and outside packages/test-kit.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findCycles, listSources, readImports } from "../import-graph.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const isProduct = (path: string) => !path.startsWith("packages/test-kit/") && !/\/tests\//.test(path);
const product = () => readImports(ROOT, listSources(ROOT, "packages").filter(isProduct));

describe("layout", () => {
  it("reads the real graph: product sources exist and resolve their workspace imports", () => {
    // Prepare / Act
    const files = product();
    // Assess: the scan sees the packages and follows `@sst-state/…` imports to files
    expect(files.length).toBeGreaterThan(100);
    const cli = files.find((f) => f.path === "packages/cli/main.ts");
    expect(cli?.imports.some((i) => i.resolved?.startsWith("packages/core/"))).toBe(true);
  });

  it("no product source imports the test kit", () => {
    // Prepare / Act
    const offenders = product().flatMap((f) =>
      f.imports.filter((i) => i.spec.startsWith("@sst-state/test-kit") || i.resolved?.startsWith("packages/test-kit/")).map((i) => `${f.path} imports ${i.spec}`),
    );
    // Assess
    expect(offenders).toEqual([]);
  });

  it("finds a cycle when there is one (the detector works)", () => {
    // Prepare: a → b → a
    const files = [
      { path: "a.ts", imports: [{ spec: "./b.ts", typeOnly: false, resolved: "b.ts" }] },
      { path: "b.ts", imports: [{ spec: "./a.ts", typeOnly: true, resolved: "a.ts" }] },
      { path: "c.ts", imports: [{ spec: "./a.ts", typeOnly: false, resolved: "a.ts" }] },
    ];
    // Act / Assess
    expect(findCycles(files)).toEqual([["a.ts", "b.ts"]]);
  });

  it("product modules import each other without cycles (type-only imports included)", () => {
    // Prepare / Act
    const cycles = findCycles(product()).map((c) => c.join(" → "));
    // Assess
    expect(cycles).toEqual([]);
  });

  it("Block Kit is built only in packages/slack/render", () => {
    // Prepare: a Block Kit block is an object literal with one of these types
    const BLOCK = /type:\s*"(section|context|actions|header|divider|rich_text|input)"/;
    // Act
    const builders = listSources(ROOT, "packages")
      .filter(isProduct)
      .filter((path) => BLOCK.test(readFileSync(join(ROOT, path), "utf8")));
    // Assess
    expect(builders.length).toBeGreaterThan(0);
    expect(builders.filter((path) => !path.startsWith("packages/slack/render/"))).toEqual([]);
  });

  it("services are built in the composition root only (packages/services/services.ts)", () => {
    // Prepare: the calls that build a service; defining a factory (`export function createX`) is not one
    const BUILD = /(?<!function )\b(loadConfig|createLocker|createLockAnnouncer|createSlackNotifier|createRestoreService|createDynamo(?:Lock|Approval|Idempotency|Feed)Store|createDynamoAuditLog)\(/;
    // The one left: a bare startServe (tests) gets a notifier for its own token.
    const LEFT = ["packages/slack/receivers/serve.ts"];
    // Act
    const builders = listSources(ROOT, "packages")
      .filter(isProduct)
      .filter((path) => readFileSync(join(ROOT, path), "utf8").split("\n").some((line) => BUILD.test(line) && !/^\s*(\*|\/\/)/.test(line)));
    // Assess
    expect(builders).toContain("packages/services/services.ts");
    expect(builders.filter((path) => path !== "packages/services/services.ts" && !LEFT.includes(path))).toEqual([]);
  });

  it("the real `sst` binary is run from one place (packages/test-kit/sst-cli.ts)", () => {
    // Prepare: code (not comments) that locates SST's binary or sets its offline switches
    const RUNS_SST = /sst-linux-x64|SST_SKIP_DEPENDENCY_CHECK|["']\.bin["'],\s*["']sst["']|\.bin\/sst\b/;
    // Act
    const SELF = "packages/test-kit/tests/layout.test.ts"; // its pattern above would match itself
    const runners = [...listSources(ROOT, "packages"), ...listSources(ROOT, "scripts")].filter((path) =>
      path !== SELF &&
      readFileSync(join(ROOT, path), "utf8")
        .split("\n")
        .some((line) => RUNS_SST.test(line) && !/^\s*(\*|\/\/|\/\*)/.test(line)),
    );
    // Assess
    expect(runners).toEqual(["packages/test-kit/sst-cli.ts"]);
  });
});
