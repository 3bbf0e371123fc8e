/**
 * SST's updateID: 24 lowercase hex characters whose first 12 encode `2^48-1 - unixMillis`, so
 * that S3's ascending key order lists the newest update first.
 */
const MAX48 = 0xffffffffffff;
const UPDATE_ID = /^[0-9a-f]{24}$/;

export function isUpdateId(s: string): boolean {
  return UPDATE_ID.test(s);
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
