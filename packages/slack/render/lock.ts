/** Answers to `lock`, `unlock`, `locks` and the Release button. */
import type { Lease } from "@sst-state/core/lock/types";
import { LOCK_RELEASE_ACTION_ID, releaseButtonValue } from "@sst-state/core/lock";
import { context, fitMessage, header, linesToSections, section, truncate } from "./limits.ts";
import { code, esc, formatDuration, formatTime, who } from "./text.ts";
import type { Block, SlackMessage } from "./types.ts";

function releaseButton(lease: Lease): Block {
  return {
    type: "actions",
    elements: [
      {
        type: "button",
        text: { type: "plain_text", text: "Release", emoji: true },
        action_id: LOCK_RELEASE_ACTION_ID,
        value: releaseButtonValue(lease),
        style: "danger",
      },
    ],
  };
}

function leaseLine(l: Lease, now: number): string {
  const left = Date.parse(l.expiresAt) - now;
  return (
    `${who(l.holder)}: ${esc(truncate(l.reason, 300))} · since ${formatTime(l.acquiredAt, now)}` +
    ` · ${left >= 0 ? `expires in ${formatDuration(left)}` : "expired"} · token ${l.token}`
  );
}

export function renderLockAcquired(lease: Lease, opts: { now: number; tookOver?: Lease }): SlackMessage {
  const took = opts.tookOver ? `\nIt took over the expired lock of ${who(opts.tookOver.holder)} (${esc(truncate(opts.tookOver.reason, 200))}).` : "";
  return fitMessage({
    text: `${lease.app}/${lease.stage} locked by ${lease.holder}: ${lease.reason}`,
    blocks: [
      section(`:lock: *${esc(lease.app)}/${esc(lease.stage)}* locked by ${leaseLine(lease, opts.now)}${took}`),
      releaseButton(lease),
    ],
  });
}

export function renderLockHeld(lease: Lease, opts: { now: number; prefix: string }): SlackMessage {
  return fitMessage({
    text: `${lease.app}/${lease.stage} is already locked by ${lease.holder}`,
    blocks: [
      section(`:no_entry: *${esc(lease.app)}/${esc(lease.stage)}* is already locked by ${leaseLine(lease, opts.now)}`),
      context(
        `Ask ${who(lease.holder)} to release it, wait for it to expire, or break it: \`${esc(opts.prefix)} unlock ${esc(lease.app)}/${esc(lease.stage)} --force --reason "…"\``,
      ),
    ],
  });
}

export function renderUnlocked(lease: Lease, opts: { now: number; forcedBy?: string; reason?: string }): SlackMessage {
  const held = formatDuration(Math.max(0, opts.now - Date.parse(lease.acquiredAt)));
  const line = opts.forcedBy
    ? `:warning: *${esc(lease.app)}/${esc(lease.stage)}*: ${who(opts.forcedBy)} broke the lock of ${who(lease.holder)} (held ${held} for ${code(truncate(lease.reason, 200))}). Why: ${esc(truncate(opts.reason ?? "", 300))}`
    : `:unlock: *${esc(lease.app)}/${esc(lease.stage)}* unlocked by ${who(lease.holder)} after ${held}.`;
  return fitMessage({ text: `${lease.app}/${lease.stage} unlocked`, blocks: [section(line)] });
}

export function renderNotLocked(app: string, stage: string, detail?: string): SlackMessage {
  return fitMessage({
    text: `${app}/${stage} is not locked`,
    blocks: [section(`:unlock: *${esc(app)}/${esc(stage)}* is not locked${detail ? `: ${esc(detail)}` : "."}`)],
  });
}

export function renderLockNotYours(lease: Lease, opts: { now: number; prefix: string }): SlackMessage {
  return fitMessage({
    text: `${lease.app}/${lease.stage} is locked by ${lease.holder}, not you`,
    blocks: [
      section(`:no_entry: *${esc(lease.app)}/${esc(lease.stage)}* is locked by ${leaseLine(lease, opts.now)}`),
      context(`It is not yours to release. To break it (recorded and announced): \`${esc(opts.prefix)} unlock ${esc(lease.app)}/${esc(lease.stage)} --force --reason "…"\``),
    ],
  });
}

export function renderLocks(leases: Lease[], opts: { now: number; app?: string }): SlackMessage {
  const title = opts.app ? `Deploy locks of ${opts.app}` : "Deploy locks";
  if (leases.length === 0) {
    return fitMessage({ text: `${title}: none`, blocks: [section(`:unlock: No deploy lock is held${opts.app ? ` in ${code(opts.app)}` : ""}.`)] });
  }
  const lines = leases.map((l) => `• *${esc(l.app)}/${esc(l.stage)}* ${leaseLine(l, opts.now)}`);
  return fitMessage({ text: `${title}: ${leases.length} held`, blocks: [header(title), ...linesToSections(lines)] });
}
