/** Finding the project like git finds a repository, and the app name read from sst.config.ts. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findProject, readSstConfigAppName } from "../../project.ts";

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "sst-state-project-"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("findProject", () => {
  it("walks up from a subfolder to the folder holding sst.config.ts", async () => {
    const app = join(base, "app");
    await mkdir(join(app, "packages", "web", "src"), { recursive: true });
    await writeFile(join(app, "sst.config.ts"), "export default $config({})\n");
    expect(findProject(join(app, "packages", "web", "src"))).toEqual({ root: app, marker: "sst.config.ts" });
  });

  it("prefers the nearest sst-state.json, and falls back to the working folder when nothing is above", async () => {
    const mono = join(base, "mono");
    await mkdir(join(mono, "svc", "lib"), { recursive: true });
    await writeFile(join(mono, "sst.config.ts"), "");
    await writeFile(join(mono, "svc", "sst-state.json"), "{}");
    expect(findProject(join(mono, "svc", "lib")).root).toBe(join(mono, "svc"));
    const lonely = await mkdtemp(join(tmpdir(), "sst-state-lonely-"));
    expect(findProject(lonely)).toEqual({ root: lonely, marker: undefined });
    await rm(lonely, { recursive: true, force: true });
  });
});

describe("readSstConfigAppName", () => {
  it("reads the static name returned by app(), not names of resources in run()", () => {
    const text = `/// <reference path="./.sst/platform/config.d.ts" />
export default $config({
  app(input) {
    // name: "old-name",
    return {
      name: "acme-shop",
      removal: input?.stage === "production" ? "retain" : "remove",
      home: "aws",
    };
  },
  async run() {
    new sst.aws.Function("Api", { name: "not-the-app" });
  },
});`;
    expect(readSstConfigAppName(text)).toBe("acme-shop");
  });

  it("does not guess a computed name", () => {
    expect(readSstConfigAppName("export default $config({ app() { return { name: `${prefix}-shop`, home: 'aws' }; }, async run() {} })")).toBeUndefined();
    expect(readSstConfigAppName("export default $config({ app() { return { name: NAME }; } })")).toBeUndefined();
    expect(readSstConfigAppName("const x = 1;")).toBeUndefined();
  });
});
