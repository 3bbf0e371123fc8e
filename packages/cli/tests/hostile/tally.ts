/**
 * Counts for the hostile-input suite: every attack is a try; it is held when nothing was lost
 * (no crash, no leak, no lost version, no one let in), lost otherwise. Each suite prints one line
 * `hostile <suite>: tries N, held N, lost N` and must end with lost = 0.
 *
 * `report()` prints that line and, when the test run names a report file
 * (`SST_STATE_HOSTILE_REPORT`, set by scripts/test/global-setup.ts), appends the counts to it: at
 * the end of the run the setup prints every suite's line and the totals, so CI output ends with
 * them whatever the reporter shows of each test's output.
 */
import { appendFileSync } from "node:fs";
import { expect } from "vitest";
export interface Tally {
  record(held: boolean, what: string): void;
  readonly tries: number;
  readonly held: number;
  readonly lost: string[];
  line(): string;
  /** print the line, and add the counts to the run's report file */
  report(): void;
}

/** One suite's counts as the report file holds them (one JSON object a line). */
export interface TallyRecord {
  suite: string;
  file: string;
  tries: number;
  held: number;
  lost: number;
}

export function createTally(suite: string): Tally {
  let tries = 0;
  let held = 0;
  const lost: string[] = [];
  const line = () => `hostile ${suite}: tries ${tries}, held ${held}, lost ${lost.length}${lost.length ? ` (${lost.slice(0, 5).join("; ")})` : ""}`;
  return {
    record(ok, what) {
      tries++;
      if (ok) held++;
      else lost.push(what);
    },
    get tries() {
      return tries;
    },
    get held() {
      return held;
    },
    lost,
    line,
    report() {
      console.log(line());
      const file = process.env.SST_STATE_HOSTILE_REPORT;
      const record: TallyRecord = { suite, file: expect.getState().testPath ?? "", tries, held, lost: lost.length };
      if (file) appendFileSync(file, `${JSON.stringify(record)}\n`);
    },
  };
}
