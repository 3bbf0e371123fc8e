/**
 * Hostile: odd and deep state files. Each is refused with a clear "not a checkpoint" message and
 * exit 2 by `status`, `diff`, `history` and `diagnose` (never "Cannot read properties of null" or
 * "Maximum call stack size exceeded", never exit 1 with a stack trace).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { parseCheckpoint } from "@sst-state/core/state";
import { StateParseError } from "@sst-state/core/errors";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { runInProcess, tempDir } from "../helpers.ts";
import { createTally } from "./tally.ts";

const wrap = (latest: unknown) => JSON.stringify({ version: 3, checkpoint: { stack: "organization/shop/prod", latest } });
/** `{"a":{"a":…"leaf"…}}` n deep, as text (JSON.stringify itself would overflow on it) */
const deep = (n: number) => `${'{"a":'.repeat(n)}"leaf"${"}".repeat(n)}`;
const DEEP = "__DEEP__";
const wrapDeep = (latest: unknown, n: number) => wrap(latest).replace(JSON.stringify(DEEP), deep(n));
const deepArray = (n: number) => "[".repeat(n) + "]".repeat(n);
const res = (over: Record<string, unknown> = {}) => ({ urn: "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::b", type: "aws:s3/bucket:Bucket", custom: true, ...over });

const ODD: [string, string][] = [
  ["pending_operations: [null]", wrap({ resources: [res()], pending_operations: [null] })],
  ["pending_operations: [1]", wrap({ resources: [res()], pending_operations: [1] })],
  ["pending operation without resource", wrap({ resources: [res()], pending_operations: [{ type: "creating" }] })],
  ["pending operation with null resource", wrap({ resources: [res()], pending_operations: [{ type: "creating", resource: null }] })],
  ["pending operation without type", wrap({ resources: [res()], pending_operations: [{ resource: res() }] })],
  ["resources: [null]", wrap({ resources: [null] })],
  ["dependencies: null-ish", wrap({ resources: [res({ dependencies: [null] })] })],
  ["dependencies: string", wrap({ resources: [res({ dependencies: "urn:x" })] })],
  ["parent: object", wrap({ resources: [res({ parent: { urn: 1 } })] })],
  ["provider: number", wrap({ resources: [res({ provider: 5 })] })],
  ["outputs: array", wrap({ resources: [res({ outputs: [1, 2] })] })],
  ["inputs: string", wrap({ resources: [res({ inputs: "x" })] })],
  ["10,000-deep outputs", wrapDeep({ resources: [res({ outputs: { x: DEEP } })] }, 10_000)],
  ["10,000-deep inputs", wrapDeep({ resources: [res({ inputs: { x: DEEP } })] }, 10_000)],
  ["10,000-deep metadata", wrapDeep({ resources: [res()], metadata: { x: DEEP } }, 10_000)],
  ["100,000-deep arrays", `{"version":3,"checkpoint":{"latest":{"resources":[],"x":${deepArray(100_000)}}}}`],
];

let home = "";
beforeAll(async () => {
  home = tempDir("sst-state-hostile-state-");
  await writeLocalHome(home, generateHome({ app: "shop", seed: 2, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 10, deploys: 2 }] }).files);
});

describe("hostile: odd and deep state", () => {
  it("parseCheckpoint refuses each odd state with a StateParseError", () => {
    // Prepare
    const tally = createTally("odd state (parse)");
    // Act
    for (const [name, text] of ODD) {
      let err: unknown;
      try {
        parseCheckpoint(text);
      } catch (e) {
        err = e;
      }
      tally.record(err instanceof StateParseError, `${name}: ${err instanceof Error ? err.message.slice(0, 80) : "accepted"}`);
    }
    tally.report();
    // Assess
    expect(tally.lost).toEqual([]);
  });

  it("status, diff and history answer each odd current state with exit 2 and a clear message", async () => {
    // Prepare
    const tally = createTally("odd state (CLI)");
    // Act
    for (const [i, [name, text]] of ODD.entries()) {
      const stage = `odd${i}`;
      mkdirSync(join(home, "state", "app", "shop"), { recursive: true });
      writeFileSync(join(home, "state", "app", "shop", `${stage}.json`), text);
      for (const verb of ["status", "diff"]) {
        const r = await runInProcess([verb, `shop/${stage}`, "--state-dir", home], { env: { SST_STATE_HOME: "local" } });
        const all = r.stdout + r.stderr;
        const ok = r.code === 2 && !/Cannot read properties|Maximum call stack|    at /.test(all) && /checkpoint|state|pending operation|resource #|nests/i.test(all);
        tally.record(ok, `${verb} ${name} → exit ${r.code}: ${all.slice(0, 300)}`);
      }
    }
    tally.report();
    // Assess
    expect(tally.lost).toEqual([]);
  }, 120_000);
});
