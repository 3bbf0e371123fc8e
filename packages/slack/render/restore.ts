/**
 * Block Kit for the restore flow (pure). The request message carries Approve / Reject buttons
 * (action ids `restore_approve` / `restore_reject`, value = request id) while it is pending; once
 * decided it is updated in place with the outcome and the buttons are gone. The confirmation says
 * what is current now, what changed, the next step (`sst refresh`, and why) and offers a one-click
 * "restore the previous version" (`restore_undo`, value = the finished request's id).
 */
import type { StagePolicy } from "@sst-state/core/config";
import {
  describeApprovers,
  RESTORE_APPROVE_ACTION_ID,
  RESTORE_REJECT_ACTION_ID,
  RESTORE_UNDO_ACTION_ID,
  type DecisionOutcome,
  type RestoreMessages,
  type RestoreRequest,
} from "@sst-state/core/restore";
import { context, fitMessage, header, linesToSections, section, truncate } from "./limits.ts";
import { code, esc, plainFallback, formatTime, plural, resourceLabel, who } from "./text.ts";
import type { Block, SlackMessage } from "./types.ts";
import { renderRepairRequest } from "./repair.ts";

const name = (r: Pick<RestoreRequest, "app" | "stage">) => `*${esc(r.stage)}* (${esc(r.app)})`;
/** "restore" or "repair": a repair is a restore request of kind "repair" (core/repair). */
const noun = (r: Pick<RestoreRequest, "kind">) => (r.kind === "repair" ? "repair" : "restore");

function statusLine(req: RestoreRequest): string {
  const by = req.decidedBy ? who(req.decidedBy) : "";
  switch (req.status) {
    case "pending":
      return `:hourglass_flowing_sand: Waiting for approval until ${formatTime(req.expiresAt)}.`;
    case "approved":
      return `:arrows_counterclockwise: Approved by ${by}; ${req.kind === "repair" ? "repairing" : "restoring"}…`;
    case "rejected":
      return `:no_entry_sign: ${req.decidedBy === req.requester ? "Withdrawn" : "Rejected"} by ${by}${req.reason ? `: ${esc(truncate(req.reason, 300))}` : "."}`;
    case "expired":
      return `:clock3: Expired at ${formatTime(req.expiresAt)} without approval. Ask again if it is still needed.`;
    case "done":
      return `:white_check_mark: ${req.kind === "repair" ? "Repaired" : "Restored"}. Approved by ${by}${req.decidedBy === req.requester ? " (this stage needs no second person)" : ""}, done ${formatTime(req.result?.finishedAt)}.`;
    case "failed":
      return `:x: Failed after approval by ${by}: ${esc(truncate(req.result?.error?.message ?? "unknown error", 600))}`;
  }
}

function changeLines(req: RestoreRequest, max: number): string[] {
  const icon = { removed: ":heavy_minus_sign:", added: ":heavy_plus_sign:", changed: ":pencil2:" } as const;
  const lines = req.diff.top.slice(0, max).map((t) => {
    const paths = t.paths?.length
      ? ` ${t.paths
          .slice(0, 4)
          .map((p) => code(p) + (t.secrets?.includes(p) ? " (secret changed)" : ""))
          .join(", ")}${t.paths.length > 4 ? ", …" : ""}`
      : "";
    return `${icon[t.kind]} ${resourceLabel(t.urn)}${paths}`;
  });
  const total = req.diff.added + req.diff.removed + req.diff.changed;
  if (total > lines.length) lines.push(`_…and ${plural(total - lines.length, "more change")}._`);
  return lines;
}

function counts(req: RestoreRequest): string {
  const d = req.diff;
  return `${plural(d.removed, "resource")} leave the state, ${d.added} come back, ${d.changed} change, ${d.unchanged} stay the same`;
}

function buttons(req: RestoreRequest): Block {
  return {
    type: "actions",
    block_id: `restore:${req.id}`,
    elements: [
      { type: "button", text: { type: "plain_text", text: "Approve", emoji: true }, action_id: RESTORE_APPROVE_ACTION_ID, value: req.id, style: "primary" },
      { type: "button", text: { type: "plain_text", text: "Reject", emoji: true }, action_id: RESTORE_REJECT_ACTION_ID, value: req.id, style: "danger" },
    ],
  };
}

export function refreshStep(stage: string): string {
  return (
    `*Next:* run \`sst refresh --stage ${esc(stage)}\`. Pulumi's state now describes the restored version; ` +
    "refresh compares it with what really exists in AWS and reconciles it, before the next deploy."
  );
}

export function renderRestoreRequest(req: RestoreRequest, policy: StagePolicy): SlackMessage {
  if (req.kind === "repair") return renderRepairRequest(req, policy, { line: statusLine(req), buttons: req.status === "pending" ? buttons(req) : null });
  const undo = req.undoOf ? ` (undo of request ${code(req.undoOf)})` : "";
  const blocks: Block[] = [
    header(`Restore ${req.app}/${req.stage}?`),
    section(`${who(req.requester)} asks to restore ${name(req)} to ${code(req.target.label)}${undo}.`),
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Target*\n${code(req.target.label)}\n${plural(req.target.resources, "resource")}` },
        { type: "mrkdwn", text: `*Current (as shown)*\n${code(req.current.label)}\n${plural(req.current.resources, "resource")}` },
        { type: "mrkdwn", text: `*Approvers*\n${policy.requireApproval ? describeApprovers(policy) : "anyone (no second person required)"}` },
        { type: "mrkdwn", text: `*Expires*\n${formatTime(req.expiresAt)}` },
      ],
    },
    section(`*What changes* (current → target): ${counts(req)}.`),
    ...linesToSections(changeLines(req, 12)),
    section(
      `*What will happen:* the target becomes the current state of ${name(req)}, under the stage's lock and SST's lock, and only if ${esc(req.stage)} ` +
        `is still the version shown above. Nothing is deleted: the current version stays in history and can be restored. ` +
        `Afterwards, run \`sst refresh --stage ${esc(req.stage)}\`.`,
    ),
  ];
  if (req.status === "pending") blocks.push(buttons(req));
  else blocks.push(section(statusLine(req)));
  const large = req.diff.added + req.diff.removed + req.diff.changed > req.diff.top.length;
  blocks.push(context(`Request ${code(req.id)}${req.status === "pending" ? ` · ${statusLine(req)}` : ""}${large ? " · the full diff is in the thread" : ""}`));
  return fitMessage({
    text: `${req.requester} asks to restore ${req.app}/${req.stage} to ${req.target.label}: ${req.status}`,
    blocks,
  });
}

export function renderRestoreConfirmation(req: RestoreRequest): SlackMessage {
  if (req.kind === "repair") return renderRepairConfirmation(req);
  const blocks: Block[] = [
    section(
      `:white_check_mark: ${name(req)} restored to ${code(req.target.label)}. Asked by ${who(req.requester)}, approved by ${who(req.decidedBy ?? "")}.`,
    ),
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Current now*\n${code(req.target.label)}${req.result?.versionId ? `\nS3 version ${code(req.result.versionId)}` : ""}` },
        {
          type: "mrkdwn",
          text: `*Replaced (kept in history)*\n${code(req.current.label)}${req.result?.previousSelector ? `\nselector ${code(req.result.previousSelector)}` : ""}`,
        },
      ],
    },
    section(`*What changed:* ${counts(req)}.`),
    ...linesToSections(changeLines(req, 6)),
    // git home: whether the restore's commit reached the remote, or what to push
    ...(req.result?.published ? [section(`${req.result.published.pushed ? ":arrow_up:" : ":warning:"} ${esc(req.result.published.message)}`)] : []),
    section(refreshStep(req.stage)),
  ];
  if (req.result?.previousSelector) {
    blocks.push({
      type: "actions",
      block_id: `restore-undo:${req.id}`,
      elements: [{ type: "button", text: { type: "plain_text", text: "Restore the previous version", emoji: true }, action_id: RESTORE_UNDO_ACTION_ID, value: req.id }],
    });
  }
  blocks.push(context(`Request ${code(req.id)} · the undo button asks for a new restore, approved like this one`));
  return fitMessage({ text: `${req.app}/${req.stage} restored to ${req.target.label}. Next: sst refresh --stage ${req.stage}`, blocks });
}

/** After a repair: what it did, the next step, and one click to undo it (a restore of the replaced version). */
function renderRepairConfirmation(req: RestoreRequest): SlackMessage {
  const undo = req.repair?.writesState && req.result?.previousSelector;
  const blocks: Block[] = [
    section(`:white_check_mark: ${name(req)}: ${esc(req.target.label)}. Asked by ${who(req.requester)}, approved by ${who(req.decidedBy ?? "")}.`),
    ...(undo ? [section(`*Replaced (kept in history):* ${code(req.current.label)}, selector ${code(req.result!.previousSelector!)}`)] : []),
    ...(req.result?.unlocked ? [section(`:unlock: SST's lock of update ${code(req.result.unlocked)} removed; its update record closed as \`sst unlock\` does.`)] : []),
    section(
      req.repair?.writesState
        ? `*Next:* run \`sst refresh --stage ${esc(req.stage)}\`. Pulumi's state now describes the repaired state; refresh compares it with what really exists in AWS and reconciles it, before the next deploy.`
        : `*Next:* deploy again (\`sst deploy --stage ${esc(req.stage)}\`), and run \`/sst-state diagnose ${esc(req.stage)}\` for what the crashed deploy may have left.`,
    ),
  ];
  if (undo) {
    blocks.push({
      type: "actions",
      block_id: `restore-undo:${req.id}`,
      elements: [{ type: "button", text: { type: "plain_text", text: "Undo the repair", emoji: true }, action_id: RESTORE_UNDO_ACTION_ID, value: req.id }],
    });
  }
  blocks.push(context(`Request ${code(req.id)}${undo ? " · the undo button asks to restore the replaced version, approved like this one" : ""}`));
  return fitMessage({ text: `${req.app}/${req.stage}: ${req.target.label}. Next: ${req.repair?.writesState ? `sst refresh --stage ${req.stage}` : `sst deploy --stage ${req.stage}`}`, blocks });
}

export function renderRestoreFailure(req: RestoreRequest): SlackMessage {
  const e = req.result?.error;
  return fitMessage({
    text: `${req.kind === "repair" ? "Repair" : "Restore"} of ${req.app}/${req.stage} failed: ${e?.message ?? "unknown error"}`,
    blocks: [
      section(`:x: The ${noun(req)} of ${name(req)} ${req.kind === "repair" ? `(${esc(req.target.label)})` : `to ${code(req.target.label)}`} failed: ${esc(truncate(e?.message ?? "unknown error", 1500))}`),
      ...(e?.hint ? [context(esc(e.hint))] : []),
      context(`Nothing was deleted. ${esc(req.stage)} is what it was before the approval unless the message above says otherwise; \`sst-state status ${esc(req.stage)}\` shows it.`),
    ],
  });
}

export function renderRequesterNotice(req: RestoreRequest): SlackMessage {
  const extra = req.status === "done" ? `\n${refreshStep(req.stage)}` : req.status === "failed" && req.result?.error?.hint ? `\n${esc(req.result.error.hint)}` : "";
  return fitMessage({
    text: `Your ${noun(req)} of ${req.app}/${req.stage}: ${req.status}`,
    blocks: [section(`Your ${noun(req)} of ${name(req)} ${req.kind === "repair" ? `(${esc(req.target.label)})` : `to ${code(req.target.label)}`}: ${statusLine(req)}${extra}`)],
  });
}

export const slackRestoreMessages: RestoreMessages = {
  request: renderRestoreRequest,
  confirmation: renderRestoreConfirmation,
  failure: renderRestoreFailure,
  requesterNotice: renderRequesterNotice,
};

/** mrkdwn entities back to characters: the fallback text is escaped once, by fitMessage. */

/** What the person who clicked (or asked) sees, ephemeral. */
export function renderDecisionReply(outcome: DecisionOutcome): SlackMessage {
  const line = (text: string, hint?: string): SlackMessage =>
    fitMessage({ text: plainFallback(text), blocks: [section(text), ...(hint ? [context(esc(hint))] : [])] });
  switch (outcome.kind) {
    case "restored":
      return line(
        outcome.request.kind === "repair"
          ? `:white_check_mark: Repaired ${name(outcome.request)}: ${esc(outcome.request.target.label)}. The confirmation is in the channel.`
          : `:white_check_mark: Restored ${name(outcome.request)} to ${code(outcome.request.target.label)}. The confirmation is in the channel.`,
      );
    case "failed":
      return line(`:x: The ${noun(outcome.request)} of ${name(outcome.request)} failed: ${esc(outcome.error.message)}`, outcome.error.hint);
    case "blocked":
      return line(`:no_entry: Not now: ${esc(outcome.error.message)} The request stays open until ${formatTime(outcome.request.expiresAt)}.`, outcome.error.hint);
    case "not-allowed":
      return line(`:no_entry: ${outcome.message}`);
    case "needs-second-approver":
      return line(
        `:ballot_box_with_check: Your approval of the restore of ${name(outcome.request)} is recorded. It was asked from a terminal as ${code(outcome.request.requester)}, which Slack did not verify, so a second person has to approve it as well.`,
      );
    case "expired":
      return line(
        `:clock3: This request expired at ${formatTime(outcome.request.expiresAt)}. Ask again: \`/sst-state ${outcome.request.kind === "repair" ? `repair ${esc(outcome.request.stage)}` : `restore ${esc(outcome.request.stage)} ${esc(outcome.request.target.id)}`}\`.`,
      );
    case "rejected":
      return line(`:no_entry_sign: You ${outcome.request.decidedBy === outcome.request.requester ? "withdrew" : "rejected"} the ${noun(outcome.request)} of ${name(outcome.request)}.`);
    case "already-decided": {
      const r = outcome.request;
      const verb = { pending: "is still pending", approved: "was already approved", done: "was already approved", failed: "was already approved", rejected: "was already rejected", expired: "has expired" }[r.status];
      return line(`:information_source: This ${noun(r)} ${verb}${r.decidedBy ? ` by ${who(r.decidedBy)}` : ""}${r.decidedAt ? ` at ${formatTime(r.decidedAt)}` : ""}. Nothing else was done.`);
    }
    case "not-found":
      return line(
        `:grey_question: There is no restore request ${code(outcome.id)}.`,
        "Requests are kept 90 days; ask again with `/sst-state restore <stage> <version>` (`/sst-state history <stage>` lists the versions).",
      );
  }
}

/** The answer to `/sst-state restore <stage> <version>`, for the requester. */
export function renderRequestCreated(req: RestoreRequest, where: { channel: string } | undefined): SlackMessage {
  const posted = where ? `posted in <#${where.channel}>` : "not posted anywhere (no channel for this stage in sst-state.json, and none given)";
  const what = req.kind === "repair" ? `Repair request ${code(req.id)} for ${name(req)} (${esc(req.target.label)})` : `Restore request ${code(req.id)} for ${name(req)} → ${code(req.target.label)}`;
  return fitMessage({
    text: `${req.kind === "repair" ? "Repair" : "Restore"} request ${req.id} for ${req.app}/${req.stage}: ${posted}`,
    blocks: [section(`:inbox_tray: ${what} is ${posted}. Someone else approves it there before ${formatTime(req.expiresAt)}.`)],
  });
}
