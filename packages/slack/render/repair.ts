/**
 * Block Kit for repairs (pure): the repair request (a restore request of kind "repair": the changes
 * resource by resource with the reason for each, the choices made, SST's stale lock; Approve /
 * Reject as for a restore), the answer when nothing can be proposed (what blocks it), the
 * per-resource questions about pending operations ("Exists in AWS" / "Gone from AWS"), and the
 * diagnosis report with its "Propose fix" button.
 *
 * Button values (action ids `repair_propose`, `repair_answer`) carry what the next click needs, so
 * no state is kept between clicks: `<app>/<stage>|<rules>|<answers>[|<answer>]`, `rules` a comma
 * list (empty: all), `answers` `index:hash:e|g` per pending operation (its position in
 * `pending_operations` and the first 8 hex of the sha256 of its URN, so an answer never lands on
 * another resource when the state changed meanwhile).
 */
import { createHash } from "node:crypto";
import { REPAIR_RULES, type RepairProposal, type RepairRule } from "@sst-state/core/repair";
import { describeApprovers, type RestoreRequest } from "@sst-state/core/restore";
import type { StagePolicy } from "@sst-state/core/config";
import type { DiagnosisReport } from "@sst-state/core/diagnosis";
import { context, fitMessage, header, linesToSections, section } from "./limits.ts";
import { code, esc, formatTime, plural, resourceLabel, who } from "./text.ts";
import type { Block, ButtonElement, SlackMessage } from "./types.ts";

export const REPAIR_PROPOSE_ACTION_ID = "repair_propose";
export const REPAIR_ANSWER_ACTION_ID = "repair_answer";

export interface RepairButtonValue {
  app: string;
  stage: string;
  rules: RepairRule[];
  answers: { index: number; hash: string; answer: "exists" | "gone" }[];
  /** repair_answer: the answer this button gives */
  give?: { index: number; hash: string; answer: "exists" | "gone" };
}

export function urnHash(urn: string): string {
  return createHash("sha256").update(urn).digest("hex").slice(0, 8);
}

const encodeAnswer = (a: { index: number; hash: string; answer: "exists" | "gone" }) => `${a.index}:${a.hash}:${a.answer === "exists" ? "e" : "g"}`;

export function encodeRepairValue(v: RepairButtonValue): string {
  return [`${v.app}/${v.stage}`, v.rules.join(","), v.answers.map(encodeAnswer).join(","), ...(v.give ? [encodeAnswer(v.give)] : [])].join("|");
}

/** null for anything sst-state did not make. */
export function decodeRepairValue(value: string): RepairButtonValue | null {
  const parts = value.split("|");
  if (parts.length < 3 || parts.length > 4) return null;
  const target = /^([a-z0-9][a-zA-Z0-9-]{0,100})\/([a-zA-Z0-9][a-zA-Z0-9-]{0,100})$/.exec(parts[0]!);
  if (!target) return null;
  const rules = parts[1] ? parts[1].split(",") : [];
  if (!rules.every((r) => (REPAIR_RULES as readonly string[]).includes(r))) return null;
  const answer = (s: string) => {
    const m = /^(\d{1,5}):([0-9a-f]{8}):([eg])$/.exec(s);
    return m ? { index: Number(m[1]), hash: m[2]!, answer: m[3] === "e" ? ("exists" as const) : ("gone" as const) } : null;
  };
  const answers = parts[2] ? parts[2].split(",").map(answer) : [];
  if (answers.some((a) => a === null)) return null;
  const give = parts[3] !== undefined ? answer(parts[3]) : undefined;
  if (give === null) return null;
  return { app: target[1]!, stage: target[2]!, rules: rules as RepairRule[], answers: answers as RepairButtonValue["answers"], ...(give ? { give } : {}) };
}

const name = (r: { app: string; stage: string }) => `*${esc(r.stage)}* (${esc(r.app)})`;

function changeLines(req: RestoreRequest, max: number): string[] {
  const r = req.repair!;
  const lines = r.changes.slice(0, max).map((c) => `:wrench: ${resourceLabel(c.urn)}: ${esc(c.detail)}\n      _why:_ ${esc(c.reason)}`);
  if (r.totalChanges > lines.length) lines.push(`_…and ${plural(r.totalChanges - lines.length, "more change")} (the full list is in the thread)._`);
  if (r.unlock) lines.push(`:unlock: SST's lock (update ${code(r.unlock.updateID)}, ${esc(r.unlock.command ?? "deploy")}) removed, only if it still names that update; its update record closed as \`sst unlock\` does.\n      _why:_ ${esc(r.unlock.reason)}`);
  return lines;
}

/** The repair request, with Approve / Reject while pending (the restore flow's buttons). */
export function renderRepairRequest(req: RestoreRequest, policy: StagePolicy, status: { line: string; buttons: Block | null }): SlackMessage {
  const r = req.repair!;
  const blocks: Block[] = [
    header(`Repair ${req.app}/${req.stage}?`),
    section(`${who(req.requester)} asks to repair ${name(req)}: ${esc(req.target.label)}. Pulumi's integrity rules accept the repaired state.`),
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Current (as shown)*\n${code(req.current.label)}\n${plural(req.current.resources, "resource")}` },
        { type: "mrkdwn", text: `*Repaired*\n${r.writesState ? plural(req.target.resources, "resource") : "the state is not written"}` },
        { type: "mrkdwn", text: `*Approvers*\n${policy.requireApproval ? describeApprovers(policy) : "anyone (no second person required)"}` },
        { type: "mrkdwn", text: `*Expires*\n${formatTime(req.expiresAt)}` },
      ],
    },
    section(`*What changes*, resource by resource:`),
    ...linesToSections(changeLines(req, 10)),
    ...r.notes.map((n) => context(`:point_right: *Choice:* ${esc(n)}`)),
    ...(r.answers.length ? [context(`Pending operations answered by ${who(r.answeredBy ?? req.requester)}: ${r.answers.map((a) => `${resourceLabel(a.urn)} ${a.answer === "exists" ? "exists in AWS" : "is gone from AWS"}`).join("; ")}`)] : []),
    ...(r.unanswered ? [context(`${plural(r.unanswered, "pending operation")} stay: nobody said whether the resource exists in AWS.`)] : []),
    section(
      r.writesState
        ? `*What will happen:* the repaired state becomes the current state of ${name(req)}, under the stage's lock and SST's lock, and only if ${esc(req.stage)} ` +
            `is still the version shown above. Nothing is deleted: the current version stays in history, and one click undoes the repair. Afterwards, run \`sst refresh --stage ${esc(req.stage)}\`.`
        : `*What will happen:* only SST's stale lock is removed (if it still names the update above); the state is not written.`,
    ),
  ];
  blocks.push(status.buttons ?? section(status.line));
  blocks.push(context(`Request ${code(req.id)}${req.status === "pending" ? ` · ${status.line}` : ""}`));
  return fitMessage({ text: `${req.requester} asks to repair ${req.app}/${req.stage}: ${req.target.label}: ${req.status}`, blocks });
}

function button(text: string, actionId: string, value: string, style?: "primary" | "danger"): ButtonElement {
  return { type: "button", text: { type: "plain_text", text, emoji: true }, action_id: actionId, value, ...(style ? { style } : {}) };
}

/** At most this many pending operations get their own buttons in one message (Slack's 50 blocks). */
const MAX_QUESTIONS = 12;

/**
 * Nothing proposed: why (what blocks it), or the questions about pending operations with their
 * buttons; `value` is what the clicks so far said.
 */
export function renderRepairNotProposed(proposal: RepairProposal, value: Omit<RepairButtonValue, "give">): SlackMessage {
  const blocks: Block[] = [section(`:no_entry: Nothing proposed for ${name(value)}: ${esc(proposal.why ?? "nothing to repair")}.`)];
  if (proposal.plan.blocked.length) {
    blocks.push(section("*What blocks it:*"));
    blocks.push(...linesToSections(proposal.plan.blocked.slice(0, 15).map((b) => `• [${esc(b.rule)}]${b.urn ? ` ${resourceLabel(b.urn)}` : ""}: ${esc(b.reason)}`)));
    blocks.push(context(`Restore a good version instead: \`/sst-state history ${esc(value.stage)}\` lists them, \`/sst-state restore ${esc(value.stage)} <version>\` asks for one.`));
  }
  if (proposal.plan.changes.length && proposal.plan.blocked.length) {
    blocks.push(context(`The mechanical part (${plural(proposal.plan.changes.length, "change")}) is not proposed alone: the state would still be refused.`));
  }
  if (!proposal.plan.blocked.length) blocks.push(...questionBlocks(proposal, value));
  return fitMessage({ text: `Nothing proposed for ${value.app}/${value.stage}: ${proposal.why ?? ""}`, blocks });
}

/** Per pending operation: "Exists in AWS" / "Gone from AWS"; then "Propose fix" with what was answered. */
function questionBlocks(proposal: RepairProposal, value: Omit<RepairButtonValue, "give">): Block[] {
  const questions = proposal.plan.questions.filter((q) => q.urn && !value.answers.some((a) => a.index === q.index));
  if (!questions.length && !value.answers.length) return [];
  const blocks: Block[] = [];
  if (questions.length) {
    blocks.push(section(`*Only a person can say whether these exist in AWS.* Check each in the AWS console, then answer; the pending operation leaves the state only with an answer.`));
  }
  for (const q of questions.slice(0, MAX_QUESTIONS)) {
    const hash = urnHash(q.urn);
    blocks.push(section(`Pending *${esc(q.operation || "operation")}* of ${resourceLabel(q.urn)}`));
    blocks.push({
      type: "actions",
      block_id: `repair-q:${q.index}`,
      elements: [
        button("Exists in AWS", REPAIR_ANSWER_ACTION_ID, encodeRepairValue({ ...value, give: { index: q.index, hash, answer: "exists" } })),
        button("Gone from AWS", REPAIR_ANSWER_ACTION_ID, encodeRepairValue({ ...value, give: { index: q.index, hash, answer: "gone" } })),
      ],
    });
  }
  if (questions.length > MAX_QUESTIONS) blocks.push(context(`…and ${plural(questions.length - MAX_QUESTIONS, "more pending operation")}: answer these first, or use \`/sst-state repair ${esc(value.stage)} --exists <URN> --gone <URN>\`.`));
  if (value.answers.length) {
    blocks.push(context(`Answered so far: ${plural(value.answers.length, "pending operation")}.`));
    blocks.push({ type: "actions", block_id: "repair-propose", elements: [button("Propose fix with these answers", REPAIR_PROPOSE_ACTION_ID, encodeRepairValue(value), "primary")] });
  }
  return blocks;
}

/** Does the report hold a finding a repair fixes (an error, or a pending operation)? */
export function hasRepairableFinding(report: DiagnosisReport): boolean {
  return report.findings.some((f) => (REPAIR_RULES as readonly string[]).includes(f.rule) && (f.severity === "error" || f.rule === "pending-operations"));
}

/**
 * The diagnosis report as Block Kit: the report's text (core/diagnosis/render.ts) in sections, and
 * "Propose fix" when a finding has a mechanical repair (the repair itself is verified when clicked).
 */
export function renderDiagnosisReportBlocks(report: DiagnosisReport, message: { text: string }): SlackMessage {
  const text = message.text;
  const blocks: Block[] = [...linesToSections(text.split("\n"))];
  if (hasRepairableFinding(report)) {
    blocks.push({
      type: "actions",
      block_id: `repair:${report.app}/${report.stage}`.slice(0, 255),
      elements: [button("Propose fix", REPAIR_PROPOSE_ACTION_ID, encodeRepairValue({ app: report.app, stage: report.stage, rules: [], answers: [] }), "primary")],
    });
    blocks.push(context("Propose fix builds the repaired state, checks it with Pulumi's integrity rules and posts it for approval by someone else; nothing is written before that."));
  }
  return fitMessage({ text, blocks });
}
