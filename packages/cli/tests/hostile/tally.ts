/**
 * Counts for the hostile-input suite: every attack is a try; it is held when nothing was lost
 * (no crash, no leak, no lost version, no one let in), lost otherwise. Each suite prints one line
 * `hostile <suite>: tries N, held N, lost N` and must end with lost = 0.
 */
export interface Tally {
  record(held: boolean, what: string): void;
  readonly tries: number;
  readonly held: number;
  readonly lost: string[];
  line(): string;
}

export function createTally(suite: string): Tally {
  let tries = 0;
  let held = 0;
  const lost: string[] = [];
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
    line: () => `hostile ${suite}: tries ${tries}, held ${held}, lost ${lost.length}${lost.length ? ` (${lost.slice(0, 5).join("; ")})` : ""}`,
  };
}
