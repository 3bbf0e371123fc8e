/**
 * What the restore flow tells people, as ChatMessages. The Slack package renders Block Kit
 * (packages/slack/render/restore.ts); `plainRestoreMessages` is the text-only fallback used where
 * no renderer is passed (tests of the core, the CLI without Slack).
 */
import type { ChatMessage } from "../ports.ts";
import type { StagePolicy } from "../config.ts";
import { describeApprovers, mention } from "./policy.ts";
import type { RestoreRequest } from "./ports.ts";
import { formatTime } from "../format.ts";
import { clip, esc } from "../text/mrkdwn.ts";

const name = (req: RestoreRequest) => esc(`${req.app}/${req.stage}`);

/** Button action ids (value = request id). */
export const RESTORE_APPROVE_ACTION_ID = "restore_approve";
export const RESTORE_REJECT_ACTION_ID = "restore_reject";
/** "restore the previous version" on the confirmation (value = the finished request's id). */
export const RESTORE_UNDO_ACTION_ID = "restore_undo";

export interface RestoreMessages {
  /** The request, with Approve / Reject buttons (or its outcome, once decided: updated in place). */
  request(req: RestoreRequest, policy: StagePolicy): ChatMessage;
  /** Posted in the channel after a successful restore, with the undo button. */
  confirmation(req: RestoreRequest): ChatMessage;
  /** Posted in the request's thread when the restore failed. */
  failure(req: RestoreRequest): ChatMessage;
  /** Sent to the requester when their request was decided, expired, restored or failed. */
  requesterNotice(req: RestoreRequest): ChatMessage;
}

export function refreshAdvice(stage: string): string {
  return `run \`sst refresh --stage ${esc(stage)}\`: Pulumi's state now describes the restored version, and refresh reconciles it with what really exists in AWS.`;
}

export function outcomeLine(req: RestoreRequest): string {
  const by = req.decidedBy ? mention(req.decidedBy) : "";
  switch (req.status) {
    case "pending":
      return `waiting for approval until ${formatTime(req.expiresAt)}`;
    case "approved":
      return `approved by ${by}; restoring…`;
    case "rejected":
      return `rejected by ${by}${req.reason ? `: ${esc(clip(req.reason, 500))}` : ""}`;
    case "expired":
      return `expired at ${formatTime(req.expiresAt)} without approval`;
    case "done":
      return `${req.kind === "repair" ? "repaired" : "restored"}: approved by ${by}, done at ${formatTime(req.result?.finishedAt ?? "")}`;
    case "failed":
      return `failed after approval by ${by}: ${esc(clip(req.result?.error?.message ?? "unknown error", 1000))}`;
  }
}

/** A repair's changes, one line each (at most `max`), for plain text. */
export function repairLines(req: RestoreRequest, max = 10): string[] {
  const r = req.repair;
  if (!r) return [];
  const lines = r.changes.slice(0, max).map((c) => `• ${c.urn}: ${c.detail} (why: ${c.reason})`);
  if (r.totalChanges > lines.length) lines.push(`• …and ${r.totalChanges - lines.length} more`);
  if (r.unlock) lines.push(`• SST's lock (update ${r.unlock.updateID}) removed, its update record closed as \`sst unlock\` does: ${r.unlock.reason}`);
  for (const n of r.notes) lines.push(`Choice: ${n}`);
  if (r.unanswered) lines.push(`${r.unanswered} pending operation(s) stay: nobody said whether the resource exists in AWS.`);
  return lines;
}

export const plainRestoreMessages: RestoreMessages = {
  request(req, policy) {
    const d = req.diff;
    if (req.kind === "repair") {
      const text =
        `${mention(req.requester)} asks to repair ${name(req)}: ${esc(req.target.label)} (now: ${esc(req.current.label)}). ` +
        `Approvers: ${describeApprovers(policy)}. Status: ${outcomeLine(req)}.\n${esc(repairLines(req).join("\n"))}`;
      return { text };
    }
    const text =
      `${mention(req.requester)} asks to restore ${name(req)} to ${esc(req.target.label)} ` +
      `(now: ${esc(req.current.label)}; ${d.removed} removed, ${d.added} added, ${d.changed} changed). ` +
      `Approvers: ${describeApprovers(policy)}. Status: ${outcomeLine(req)}.`;
    return { text };
  },
  confirmation(req) {
    if (req.kind === "repair") {
      return { text: `${name(req)}: ${esc(req.target.label)} (requested by ${mention(req.requester)}, approved by ${mention(req.decidedBy ?? "")}). Next: ${refreshAdvice(req.stage)}` };
    }
    return {
      text: `${name(req)} restored to ${esc(req.target.label)} (requested by ${mention(req.requester)}, approved by ${mention(req.decidedBy ?? "")}). Next: ${refreshAdvice(req.stage)}`,
    };
  },
  failure(req) {
    const e = req.result?.error;
    return { text: `${req.kind === "repair" ? "Repair" : "Restore"} of ${name(req)} failed: ${esc(clip(e?.message ?? "unknown error", 1000))}${e?.hint ? ` ${esc(clip(e.hint, 1000))}` : ""}` };
  },
  requesterNotice(req) {
    return { text: `Your ${req.kind === "repair" ? "repair" : "restore"} of ${name(req)} (${esc(req.target.label)}): ${outcomeLine(req)}.` };
  },
};
