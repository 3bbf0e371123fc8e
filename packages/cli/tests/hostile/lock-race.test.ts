/**
 * Hostile: racing `lock` processes with no `serve` running, all on the embedded store in one
 * folder. Exactly one takes the lock; every loser answers exit 1 naming the holder (never "another
 * sst-state process is using …" or a connection error).
 */
import { describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { runBin, tempDir } from "../helpers.ts";
import { createTally } from "./tally.ts";

describe("hostile: racing lock processes on the embedded store", () => {
  it("one holder; every loser names it", async () => {
    // Prepare
    const tally = createTally("lock race (embedded store)");
    const home = tempDir("sst-state-race-home-");
    await writeLocalHome(home, generateHome({ app: "shop", seed: 6, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 6, deploys: 1 }] }).files);
    const cwd = tempDir("sst-state-race-cwd-");
    const n = 8;
    // Act
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        runBin(["lock", "prod", "--reason", `racer ${i}`, "--holder", `racer-${i}`, "--json"], { cwd, env: { SST_STATE_DIR: home, SST_STATE_HOME: "local" }, timeoutMs: 90_000 }),
      ),
    );
    const winners = results.filter((r) => r.code === 0);
    const holder = winners[0] ? (JSON.parse(winners[0].stdout) as { lock: { holder: string } }).lock.holder : "";
    for (const [i, r] of results.entries()) {
      if (r.code === 0) continue;
      let named = "";
      try {
        named = (JSON.parse(r.stdout) as { lock?: { holder?: string } }).lock?.holder ?? "";
      } catch {
        /* not JSON: counted as lost below */
      }
      tally.record(r.code === 1 && named === holder, `racer ${i}: exit ${r.code} ${(r.stdout + r.stderr).slice(0, 400)}`);
    }
    tally.report();
    // Assess
    expect(winners.length).toBe(1);
    expect(tally.lost).toEqual([]);
    expect(tally.tries).toBe(n - 1);
  }, 180_000);
});
