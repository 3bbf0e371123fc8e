/**
 * The deploy feed on SST's local home (the watcher `serve` uses): the shared scenario (deploys that
 * finish, fail, finish between polls, never complete, fail to build; restarts; two pollers), with
 * the stuck deploy unlocked by the real `sst unlock` (SST 4.17.1, offline), and a real
 * `sst state repair` posted as SST wrote it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { stateKeys } from "@sst-state/core/state/versions";
import { updateIdTime } from "@sst-state/core/state/update-id";
import { runSst } from "@sst-state/test-kit/sst-cli";
import { createLocalDeployWatch } from "../../deploy-watch.ts";
import { writeLocalHome } from "../../home-writer.ts";
import { createLocalHomeStore } from "../../local-home.ts";
import { deployFeedScenario, emptyStateObject, expectOneFinishedDeployPosted, FEED_APP, feedWithFakeSlack, messageCalls, pastUpdateRecords } from "../support/deploy-feed-scenario.ts";
import { endDeploy, localSimHome, startDeploy } from "@sst-state/test-kit/deploy-sim";

void inject;

/** `<tmp>/sst`: SST's home root is `<XDG_CONFIG_HOME>/sst`, which runSst needs. */
async function newHome(stages: Parameters<typeof generateHome>[0]["stages"]): Promise<string> {
  const root = join(mkdtempSync(join(tmpdir(), "feed-local-")), "sst");
  await writeLocalHome(root, generateHome({ app: FEED_APP, seed: 17, now: Date.now() - 3_600_000, stages }).files);
  return root;
}

deployFeedScenario("the local home", async () => {
  const root = await newHome([
    { name: "prod", resources: 40, deploys: 3 },
    { name: "staging", resources: 20, deploys: 2 },
    { name: "dev", resources: 10, deploys: 1 },
  ]);
  const store = createLocalHomeStore({ root });
  return {
    home: localSimHome(root),
    stateStore: store,
    source: createLocalDeployWatch(store),
    async sstUnlock(stage) {
      const r = await runSst(root, FEED_APP, ["unlock", "--stage", stage]);
      if (r.code !== 0) throw new Error(`sst unlock failed: ${r.stderr || r.stdout}`);
    },
  };
});

describe("deploy feed and the real sst binary (local home)", () => {
  it("posts a real `sst state repair` once, finished; simulated records have the fields of SST's own", async () => {
    // Prepare: a home whose staging the feed has seen (cursor set)
    const root = await newHome([{ name: "staging", resources: 20, deploys: 2 }]);
    const store = createLocalHomeStore({ root });
    const { slack, feed } = await feedWithFakeSlack({ token: "xoxb-repair", stateStore: store, source: createLocalDeployWatch(store), channels: { staging: "C0STAGING" } });
    try {
      await feed.pollAll();
      const before = new Set((await store.listUpdates(FEED_APP, "staging", 100)).map((u) => u.id));
      // Act: SST itself takes its lock, finds nothing to repair, writes only its update record, unlocks
      const run = await runSst(root, FEED_APP, ["state", "repair", "--stage", "staging"], { input: "y\n" });
      await feed.pollAll();
      await feed.pollAll();
      // Assess: one message, for SST's own update id, already finished (no snapshot, so no diff)
      expect(run.stderr).toContain("No changes made");
      const real = (await store.listUpdates(FEED_APP, "staging", 100)).find((u) => !before.has(u.id))!;
      expect(real.command).toBe("repair");
      // SST's own id decodes to the time its record says the update started (update-id.ts)
      expect(Math.abs(updateIdTime(real.id) - Date.parse(real.timeStarted!))).toBeLessThan(5_000);
      const calls = messageCalls(slack, 0);
      expect(calls.map((c) => c.method)).toEqual(["chat.postMessage"]);
      expect(String(calls[0]!.args.text)).toMatch(/^repair of staging finished in \d+s$/);
      expect(JSON.stringify(calls[0]!.args.blocks)).toContain("It saved no snapshot");
      expect(JSON.stringify(calls[0]!.args.blocks)).toContain(real.id);
      // …and the simulated records carry the same fields as SST's (runID only with SST_RUN_ID)
      const sim = localSimHome(root);
      const d = await startDeploy(sim, FEED_APP, "staging", { at: Date.now() });
      await endDeploy(sim, d, { at: Date.now() });
      const simulated = JSON.parse((await sim.read(stateKeys.update(FEED_APP, "staging", d.id)))!) as Record<string, unknown>;
      expect(Object.keys(simulated).sort()).toEqual(Object.keys(real).sort());
    } finally {
      await slack.close();
    }
  }, 120_000);

  it("a stage with 1,000 past updates: the first scan posts none of them; the next deploy is posted once", async () => {
    // Prepare: 1,000 completed update records as SST writes them (records only: nothing else of them is read)
    const root = join(mkdtempSync(join(tmpdir(), "feed-1000-")), "sst");
    const sim = localSimHome(root);
    const base = Date.now() - 1_000 * 3_600_000;
    for (const { key, body } of [...pastUpdateRecords("prod", 1_000, base), emptyStateObject("prod")]) await sim.put(key, body);
    const reads: string[] = [];
    const store = createLocalHomeStore({ root, onAccess: (op, key) => op === "read" && reads.push(key) });
    const { slack, feed } = await feedWithFakeSlack({ token: "xoxb-1000", stateStore: store, source: createLocalDeployWatch(store), channels: { prod: "C0PROD" } });
    try {
      // Act
      const first = await feed.pollAll();
      const second = await feed.pollAll();
      const readsBefore = reads.filter((k) => k.startsWith("update/")).length;
      const d = await startDeploy(sim, FEED_APP, "prod", { at: Date.now() });
      await endDeploy(sim, d, { at: Date.now() + 1_000 });
      await feed.pollAll();
      await feed.pollAll();
      // Assess
      expect(first).toEqual([{ app: FEED_APP, stage: "prod", baseline: true }]);
      expect(second).toEqual([{ app: FEED_APP, stage: "prod", baseline: false, posted: [], skipped: [] }]);
      expect(readsBefore).toBe(0);
      expectOneFinishedDeployPosted(slack, d.id);
    } finally {
      await slack.close();
    }
  }, 120_000);
});
