/**
 * The CLI on a git home (`--home git --state-dir …`) over a real repository: status, history,
 * diff and diagnose read the commits; `passphrase-in-git` reports a tracked passphrase file.
 */
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createFlatStateRepo } from "@sst-state/test-kit/git-repo";
import { runInProcess } from "../helpers.ts";

// every step runs the real `git` binary (several processes per lock operation): bounded, not fast
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

let repo: Awaited<ReturnType<typeof createFlatStateRepo>>;
let env: NodeJS.ProcessEnv;
const args = () => ["--home", "git", "--state-dir", repo.dir, "--json"];

beforeAll(async () => {
  repo = await createFlatStateRepo();
  env = { ...repo.env };
});
afterAll(() => rm(repo.base, { recursive: true, force: true }));

describe("CLI on a git home", () => {
  it("history lists the commits; diff takes a sha prefix; status reads the working tree", async () => {
    // Prepare
    const first = (await repo.git.text(["log", "--format=%H", "--reverse", "--", "infra/state/app/prod.json"])).split("\n")[0]!;
    // Act
    const history = await runInProcess(["history", "prod", ...args()], { env, cwd: repo.clone });
    const diff = await runInProcess(["diff", "prod", first.slice(0, 8), "latest", ...args()], { env, cwd: repo.clone });
    const status = await runInProcess(["status", "prod", ...args()], { env, cwd: repo.clone });
    // Assess
    expect(history.code).toBe(0);
    const h = JSON.parse(history.stdout);
    expect(h.app).toBe("shop");
    expect(h.versions.map((v: { commit: { subject: string } }) => v.commit.subject)).toEqual(["deploy prod #3", "deploy prod #2", "deploy prod #1"]);
    expect(h.versions.map((v: { kind: string }) => v.kind)).toEqual(["commit", "commit", "commit"]);
    expect(diff.code).toBe(0);
    expect(JSON.parse(diff.stdout).added).toHaveLength(2);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ app: "shop", stage: "prod", resources: 13, home: "git" });
  });

  it("diagnose reports the tracked passphrase file with SST_PASSPHRASE as the fix, and a warning once it is only in history", async () => {
    // Act 1: tracked
    const tracked = await runInProcess(["diagnose", "prod", "--no-probes", ...args()], { env, cwd: repo.clone });
    // Act 2: untracked (git rm --cached), still in history
    await repo.git(["rm", "-q", "--cached", "infra/state/passphrase/prod.json"]);
    await repo.git(["commit", "-q", "-m", "stop tracking the passphrase"]);
    const historic = await runInProcess(["diagnose", "prod", "--no-probes", ...args()], { env, cwd: repo.clone });
    // Assess
    const f1 = JSON.parse(tracked.stdout).findings.filter((f: { rule: string }) => f.rule === "passphrase-in-git");
    expect(tracked.code).toBe(1);
    expect(f1).toHaveLength(1);
    expect(f1[0].severity).toBe("error");
    expect(f1[0].message).toContain("infra/state/passphrase/prod.json is tracked");
    expect(f1[0].fix).toContain("SST_PASSPHRASE");
    expect(f1[0].fix).toContain("git rm --cached infra/state/passphrase/prod.json");
    expect(f1[0].fix).toContain("sst-state run prod --git --state-dir infra/state -- npx sst deploy --stage prod");
    expect(tracked.stdout).not.toContain("dummy-passphrase-for-tests");
    const f2 = JSON.parse(historic.stdout).findings.filter((f: { rule: string }) => f.rule === "passphrase-in-git");
    expect(f2).toHaveLength(1);
    expect(f2[0].severity).toBe("warning");
    expect(f2[0].message).toMatch(/history still holds it.*since commit [0-9a-f]{7}/);
  });

  it("--home git without --state-dir is a usage error that says what to add", async () => {
    // Act
    const r = await runInProcess(["status", "prod", "--home", "git"], { env, cwd: repo.clone });
    // Assess
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--state-dir");
  });
});
