/**
 * Block Kit for lock events (the announcements in a stage's channel): pure (no clock, no Slack SDK).
 * A held lock gets a "Release" button (core/lock/release-button.ts).
 */
import { formatDuration, who } from "@sst-state/core/format";
import { LOCK_RELEASE_ACTION_ID, releaseButtonValue } from "@sst-state/core/lock/release-button";
import type { Lease, LockEnd, LockEvent } from "@sst-state/core/lock/types";
import type { ChatMessage } from "@sst-state/core/ports";
import { clip, esc, link } from "@sst-state/core/text/mrkdwn";
import { fitToLimits } from "./limits.ts";
import { slackDate } from "./text.ts";
import type { Block } from "./types.ts";

// A reason can be anything a user typed (100 KB included); the full text stays in `sst-state locks`.
const REASON_MAX = 500;
const escape = (s: string) => esc(clip(s, REASON_MAX));
/** the holder's characters in the Release confirmation (Slack: its text at most 300) */
const HOLDER_IN_CONFIRM = 50;

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
        ? ` It took over the expired lock of ${who(event.tookOver.holder)} (held since ${slackDate(event.tookOver.acquiredAt)} for “${escape(event.tookOver.reason)}”, never released).`
        : "";
      line = `:lock: ${name(lock)} locked by ${who(lock.holder)} for “${escape(lock.reason)}”, for up to ${ttl} (until ${slackDate(lock.expiresAt)})${runLink(lock)}.${took}`;
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
      line = `:warning: ${name(lock)}: ${who(event.by)} broke the lock of ${who(lock.holder)} (held since ${slackDate(lock.acquiredAt)} for “${escape(lock.reason)}”)${runLink(lock)}. Why: “${escape(event.reason)}”.`;
      plain = `${lock.stage}: ${event.by} broke the lock of ${lock.holder}: ${clip(event.reason, REASON_MAX)}`;
      break;
    }
    case "expired": {
      line = `:hourglass: ${name(lock)}: the lock of ${who(lock.holder)} (“${escape(lock.reason)}”, since ${slackDate(lock.acquiredAt)}) expired at ${slackDate(lock.expiresAt)} without being released${runLink(lock)}.`;
      plain = `${lock.stage}: the lock of ${lock.holder} expired without being released`;
      break;
    }
  }
  const blocks: Block[] = [
    { type: "section", text: { type: "mrkdwn", text: line } },
    { type: "context", elements: [{ type: "mrkdwn", text: `token ${lock.token} · acquired ${slackDate(lock.acquiredAt)} · expires ${slackDate(lock.expiresAt)}` }] },
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
            // a holder can be any length (CI variables, --holder), and Slack refuses the whole message
            // when this text is over 300: cut before escaping (5 × 50 at most, `&` → `&amp;`) so no
            // escape is cut in half and the sentence keeps its end
            text: { type: "mrkdwn", text: `This breaks the lock of ${who(clip(lock.holder, HOLDER_IN_CONFIRM))} if it still holds it.` },
            confirm: { type: "plain_text", text: "Release" },
            deny: { type: "plain_text", text: "Cancel" },
          },
        },
      ],
    });
  }
  // the fallback text is parsed by Slack as well: escaped like the blocks, and kept short; every
  // text within Slack's limits (fitToLimits: the Release dialog's title holds the stage name)
  return fitToLimits({ text: esc(clip(plain, 1000)), blocks });
}

/**
 * The announcement of a lease that ended, rewritten in place (chat.update on the message that
 * announced it): who held it and why, and who ended it, when, how — a release, a break (by whom,
 * why) or an expiry. No Release button: there is nothing left to release.
 */
export function renderLockEnded(end: LockEnd): ChatMessage {
  const lock = end.lock;
  const held = `${name(lock)} was locked by ${who(lock.holder)} for “${escape(lock.reason)}” from ${slackDate(lock.acquiredAt)}${runLink(lock)}`;
  let line: string;
  let plain: string;
  switch (end.type) {
    case "released": {
      const at = end.at ?? new Date(Date.parse(lock.acquiredAt) + end.heldMs).toISOString();
      line = `:unlock: ${held}: released by ${who(lock.holder)} at ${slackDate(at)}, after ${formatDuration(end.heldMs)}.${end.outcome ? ` Outcome: *${escape(end.outcome)}*.` : ""}`;
      plain = `${lock.stage} was locked by ${lock.holder}: released at ${at.slice(11, 16)} UTC after ${formatDuration(end.heldMs)}`;
      break;
    }
    case "force-released": {
      line = `:warning: ${held}: the lock was broken by ${who(end.by)}${end.at ? ` at ${slackDate(end.at)}` : ""}. Why: “${escape(end.reason)}”.`;
      plain = `${lock.stage} was locked by ${lock.holder}: broken by ${end.by}${end.at ? ` at ${end.at.slice(11, 16)} UTC` : ""}: ${clip(end.reason, REASON_MAX)}`;
      break;
    }
    case "expired": {
      line = `:hourglass: ${held}: the lock expired at ${slackDate(lock.expiresAt)} without being released.`;
      plain = `${lock.stage} was locked by ${lock.holder}: expired at ${lock.expiresAt.slice(11, 16)} UTC without being released`;
      break;
    }
  }
  const blocks: unknown[] = [
    { type: "section", text: { type: "mrkdwn", text: line } },
    { type: "context", elements: [{ type: "mrkdwn", text: `token ${lock.token} · ended, nothing to release` }] },
  ];
  return { text: esc(clip(plain, 1000)), blocks };
}
