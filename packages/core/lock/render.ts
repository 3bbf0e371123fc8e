/**
 * Block Kit for lock events: pure (no clock, no Slack SDK). Lives here until the Slack package
 * takes it over. A held lock gets a "Release" button: action_id `lock_release`,
 * value `<app>/<stage>/<token>` (the token makes a late click on an old message harmless).
 */
import type { ChatMessage } from "../ports.ts";
import type { Lease, LockEvent } from "./types.ts";
import { formatDuration } from "../format.ts";
import { clip, esc, link, who } from "../text/mrkdwn.ts";

// A reason can be anything a user typed (100 KB included); the full text stays in `sst-state locks`.
const REASON_MAX = 500;
const escape = (s: string) => esc(clip(s, REASON_MAX));

export const LOCK_RELEASE_ACTION_ID = "lock_release";

/** `<app>/<stage>/<token>` ⇄ its parts (app and stage never contain `/`). */
export function releaseButtonValue(lock: Pick<Lease, "app" | "stage" | "token">): string {
  return `${lock.app}/${lock.stage}/${lock.token}`;
}
export function parseReleaseButtonValue(value: string): { app: string; stage: string; token: number } | null {
  const m = /^([^/]+)\/([^/]+)\/(\d+)$/.exec(value);
  return m ? { app: m[1]!, stage: m[2]!, token: Number(m[3]) } : null;
}

/** Slack renders `<!date^…>` in the reader's own time zone; the fallback text is UTC. */
function when(iso: string): string {
  const secs = Math.floor(Date.parse(iso) / 1000);
  const fallback = `${iso.slice(11, 16)} UTC`;
  return `<!date^${secs}^{time}|${fallback}>`;
}

function runLink(lock: Lease): string {
  return lock.runUrl ? ` · ${link(lock.runUrl, "CI run")}` : "";
}

function name(lock: Lease): string {
  return `*${escape(lock.stage)}* (${escape(lock.app)})`;
}

export function renderLockEvent(event: LockEvent): ChatMessage {
  const lock = event.lock;
  let line: string;
  let plain: string;
  let held = false;
  switch (event.type) {
    case "acquired": {
      const ttl = formatDuration(Date.parse(lock.expiresAt) - Date.parse(lock.acquiredAt));
      const took = event.tookOver
        ? ` It took over the expired lock of ${who(event.tookOver.holder)} (held since ${when(event.tookOver.acquiredAt)} for “${escape(event.tookOver.reason)}”, never released).`
        : "";
      line = `:lock: ${name(lock)} locked by ${who(lock.holder)} for “${escape(lock.reason)}”, for up to ${ttl} (until ${when(lock.expiresAt)})${runLink(lock)}.${took}`;
      plain = `${lock.stage} locked by ${lock.holder} for '${clip(lock.reason, REASON_MAX)}', for up to ${ttl}${lock.runUrl ? ` (${lock.runUrl})` : ""}${event.tookOver ? `; took over the expired lock of ${event.tookOver.holder}` : ""}`;
      held = true;
      break;
    }
    case "released": {
      const outcome = event.outcome ? ` Outcome: *${escape(event.outcome)}*.` : "";
      const diff = event.diffSummary ? `\n${escape(event.diffSummary)}` : "";
      line = `:unlock: ${name(lock)} unlocked by ${who(lock.holder)} after ${formatDuration(event.heldMs)} (“${escape(lock.reason)}”)${runLink(lock)}.${outcome}${diff}`;
      plain = `${lock.stage} unlocked by ${lock.holder} after ${formatDuration(event.heldMs)}${event.outcome ? ` (${event.outcome})` : ""}`;
      break;
    }
    case "force-released": {
      line = `:warning: ${name(lock)}: ${who(event.by)} broke the lock of ${who(lock.holder)} (held since ${when(lock.acquiredAt)} for “${escape(lock.reason)}”)${runLink(lock)}. Why: “${escape(event.reason)}”.`;
      plain = `${lock.stage}: ${event.by} broke the lock of ${lock.holder}: ${clip(event.reason, REASON_MAX)}`;
      break;
    }
    case "expired": {
      line = `:hourglass: ${name(lock)}: the lock of ${who(lock.holder)} (“${escape(lock.reason)}”, since ${when(lock.acquiredAt)}) expired at ${when(lock.expiresAt)} without being released${runLink(lock)}.`;
      plain = `${lock.stage}: the lock of ${lock.holder} expired without being released`;
      break;
    }
  }
  const blocks: unknown[] = [
    { type: "section", text: { type: "mrkdwn", text: line } },
    { type: "context", elements: [{ type: "mrkdwn", text: `token ${lock.token} · acquired ${when(lock.acquiredAt)} · expires ${when(lock.expiresAt)}` }] },
  ];
  if (held) {
    blocks.push({
      type: "actions",
      elements: [
        {
          type: "button",
          action_id: LOCK_RELEASE_ACTION_ID,
          text: { type: "plain_text", text: "Release" },
          value: releaseButtonValue(lock),
          style: "danger",
          confirm: {
            title: { type: "plain_text", text: `Release ${lock.stage}?` },
            text: { type: "mrkdwn", text: `This breaks the lock of ${who(lock.holder)} if it still holds it.` },
            confirm: { type: "plain_text", text: "Release" },
            deny: { type: "plain_text", text: "Cancel" },
          },
        },
      ],
    });
  }
  // the fallback text is parsed by Slack as well: escaped like the blocks, and kept short
  return { text: esc(clip(plain, 1000)), blocks };
}
