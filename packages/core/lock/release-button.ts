/**
 * The Release button under a lock announcement: action_id `lock_release`, value
 * `<app>/<stage>/<token>` (the token makes a late click on an old message harmless). The renderer
 * (packages/slack/render/lock-event.ts) writes the value, the button's handler
 * (packages/slack/verbs/release-button.ts) reads it back.
 */
import type { Lease } from "./types.ts";

export const LOCK_RELEASE_ACTION_ID = "lock_release";

/** `<app>/<stage>/<token>` ⇄ its parts (app and stage never contain `/`). */
export function releaseButtonValue(lock: Pick<Lease, "app" | "stage" | "token">): string {
  return `${lock.app}/${lock.stage}/${lock.token}`;
}
export function parseReleaseButtonValue(value: string): { app: string; stage: string; token: number } | null {
  const m = /^([^/]+)\/([^/]+)\/(\d+)$/.exec(value);
  return m ? { app: m[1]!, stage: m[2]!, token: Number(m[3]) } : null;
}
