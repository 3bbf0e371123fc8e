/**
 * "Did you mean …?" for verbs, stages and apps. Optimal-string-alignment distance (Levenshtein
 * plus adjacent transpositions, so `stauts` is one edit from `status`), case-insensitive.
 */

/** Edit distance with insertions, deletions, substitutions and adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  if (s === t) return 0;
  if (!s.length) return t.length;
  if (!t.length) return s.length;
  // three rolling rows: i-2, i-1, i
  let prev2: number[] = new Array(t.length + 1).fill(0);
  let prev: number[] = Array.from({ length: t.length + 1 }, (_, j) => j);
  let cur: number[] = new Array(t.length + 1).fill(0);
  for (let i = 1; i <= s.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[t.length]!;
}

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a plausible typo:
 * at most one edit for words up to 4 characters, two up to 8, three beyond. A candidate that
 * starts with `word` (an abbreviation such as `hist`) counts as close. Ties go to the earlier
 * candidate, so list the likelier ones first.
 */
export function suggestClosest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.trim();
  if (!w || candidates.length === 0) return undefined;
  const exact = candidates.find((c) => c.toLowerCase() === w.toLowerCase());
  if (exact !== undefined) return exact;
  const max = w.length <= 4 ? 1 : w.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= max) return best;
  if (w.length >= 3) {
    const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(w.toLowerCase()));
    if (prefixed.length === 1) return prefixed[0];
  }
  return undefined;
}
