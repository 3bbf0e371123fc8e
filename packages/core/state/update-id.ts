/**
 * SST's updateID: 24 lowercase hex characters whose first 12 encode `2^48-1 - unixMillis`, so
 * that S3's ascending key order lists the newest update first. Read from SST 4.17.1 itself (its
 * binary, node_modules/sst-linux-x64/bin/sst): `sst state repair` on a local home wrote update
 * `fe5dd0a4e7da8c363a27010a` with `timeStarted` 2026-12-01T02:07:08Z, and 0xffffffffffff -
 * 0xfe5dd0a4e7da is 02:07:08.837 of that day; deploy-feed-local.test.ts checks every run. (The
 * old source snapshot, sst/sst 08fa0a6 pkg/id/id.go L19-41, hex-encoded the whole inverted int64,
 * a `ffff` prefix; 4.17.1 does not, so the binary is the ground truth here.)
 */
const MAX48 = 0xffffffffffff;
const UPDATE_ID = /^[0-9a-f]{24}$/;

export function isUpdateId(s: string): boolean {
  return UPDATE_ID.test(s);
}

/**
 * What SST ≤ v3.2.47 used as the id of a legacy history entry: `cuid2.Generate()` (sst/sst v3.2.47
 * pkg/project/stack.go line 177; github.com/nrednav/cuid2 v1.0.0 generates a letter, then base-36,
 * 24 characters by default), and no hex updateID. Such a selector names a legacy history entry,
 * never an S3 object version (S3's are 32 characters of mixed case with `._`, Swift's a timestamp
 * with a dot). See `legacyHistoryOfKey` in versions.ts.
 */
const LEGACY_CUID2 = /^[a-z][0-9a-z]{23}$/;
export function isLegacyCuid2(s: string): boolean {
  return LEGACY_CUID2.test(s) && !UPDATE_ID.test(s);
}

/** Milliseconds since the epoch at which the update started. */
export function updateIdTime(id: string): number {
  return MAX48 - parseInt(id.slice(0, 12), 16);
}

/** A new updateID for the given time; the last 12 characters are random (or from `rand`). */
export function makeUpdateId(ms: number, rand: () => number = Math.random): string {
  const head = (MAX48 - ms).toString(16).padStart(12, "0");
  let tail = "";
  for (let i = 0; i < 12; i++) tail += Math.floor(rand() * 16).toString(16);
  return head + tail;
}
