/**
 * The deploy feed's messages (core/feed): one per update, edited in place as it goes
 * started → finished / failed / looks stuck. Everything from the home (stage, command, errors,
 * URNs, run ids) goes through the one escaping function; every text is cut to Slack's limits
 * (`fitMessage`, limits.ts), and a finished update's full diff goes to the thread.
 */
import { FEED_DIAGNOSE_ACTION_ID, FEED_SST_UNLOCK_ACTION_ID, feedButtonValue, type DeployDetails, type DeployEvent } from "@sst-state/core/feed";
import { formatElapsed } from "@sst-state/core/format";
import type { DiffReport } from "@sst-state/core/report-types";
import { renderDiff } from "./diff.ts";
import { context, fitMessage, linesToSections, section, truncate } from "./limits.ts";
import { code, esc, formatDuration, resourceLabel } from "./text.ts";
import type { Block, ButtonElement, SlackMessage } from "./types.ts";

/** Shown per group in the message; the rest is in the thread. */
const PER_GROUP = 5;
const ERRORS_SHOWN = 5;
const ERROR_CHARS = 500;

/** "deploy of prod", "remove of prod", "sst-state restore of prod" */
function what(e: DeployEvent): string {
  return `${e.command ?? "update"} of ${e.stage}`;
}

/** "3 added, 1 removed, 5 changed" */
export function diffCounts(d: DiffReport): string {
  return `${d.added.length.toLocaleString("en-US")} added, ${d.removed.length.toLocaleString("en-US")} removed, ${d.changed.length.toLocaleString("en-US")} changed`;
}

function facts(e: DeployEvent): string {
  return [
    `${esc(e.app)}/${esc(e.stage)}`,
    `update ${code(e.updateId)}`,
    ...(e.command ? [`command ${code(e.command)}`] : []),
    ...(e.sstVersion ? [`SST ${esc(e.sstVersion)}`] : []),
    ...(e.runId ? [`run ${code(e.runId)}`] : []),
  ].join(" · ");
}

function diagnoseButton(e: DeployEvent): ButtonElement {
  return { type: "button", text: { type: "plain_text", text: "Diagnose", emoji: true }, action_id: FEED_DIAGNOSE_ACTION_ID, value: feedButtonValue(e.app, e.stage) };
}

function unlockButton(e: DeployEvent): ButtonElement {
  return {
    type: "button",
    text: { type: "plain_text", text: "Unlock SST", emoji: true },
    action_id: FEED_SST_UNLOCK_ACTION_ID,
    value: feedButtonValue(e.app, e.stage, e.updateId),
    style: "danger",
    confirm: {
      title: { type: "plain_text", text: "Remove SST's lock?" },
      text: {
        type: "mrkdwn",
        text: truncate(`Only when no deploy of ${esc(e.stage)} is running. This does what \`sst unlock\` does: it closes update ${esc(e.updateId)} as force unlocked and deletes SST's lock.`, 300),
      },
      confirm: { type: "plain_text", text: "Unlock" },
      deny: { type: "plain_text", text: "Cancel" },
      style: "danger",
    },
  };
}

/** The first few changes, one line each (the thread has the rest). */
function diffLines(d: DiffReport): string[] {
  const more = (n: number) => (n > PER_GROUP ? [`  _…and ${(n - PER_GROUP).toLocaleString("en-US")} more_`] : []);
  return [
    ...d.added.slice(0, PER_GROUP).map((u) => `+ ${resourceLabel(u)}`),
    ...more(d.added.length),
    ...d.removed.slice(0, PER_GROUP).map((u) => `− ${resourceLabel(u)}`),
    ...more(d.removed.length),
    ...d.changed.slice(0, PER_GROUP).map((c) => `~ ${resourceLabel(c.urn)}: ${c.paths.slice(0, 3).map((p) => code(p)).join(", ")}${c.paths.length > 3 ? ", …" : ""}`),
    ...more(d.changed.length),
  ];
}

export function renderDeployEvent(e: DeployEvent, opts: { now?: number } = {}): SlackMessage {
  const blocks: Block[] = [];
  let text: string;
  switch (e.phase) {
    case "started": {
      // A deploy that already ran when the feed was turned on: "in progress (started 12 min ago, …)".
      const ago = opts.now !== undefined ? `started ${formatDuration(Math.max(0, opts.now - Date.parse(e.startedAt)))} ago, ` : "";
      const how = e.alreadyRunning ? "in progress" : "started";
      const lead = e.alreadyRunning ? ago : "";
      text = `${what(e)} ${how} (${lead}update ${e.updateId}${e.command ? `, command ${e.command}` : ""})`;
      blocks.push(section(`:rocket: *${esc(what(e))}* ${how} (${esc(lead)}update ${code(e.updateId)}${e.command ? `, command ${code(e.command)}` : ""})`));
      if (e.alreadyRunning) blocks.push(context("It was already running when the deploy feed started watching this stage."));
      blocks.push(context(facts(e)));
      break;
    }
    case "finished": {
      const took = e.durationMs === null ? "" : ` in ${formatElapsed(e.durationMs)}`;
      const counts = e.diff ? `: ${diffCounts(e.diff)}` : "";
      text = `${what(e)} finished${took}${counts}`;
      blocks.push(section(`:white_check_mark: *${esc(what(e))}* finished${took}${counts}`));
      if (e.diff) {
        const lines = diffLines(e.diff);
        if (lines.length) blocks.push(...linesToSections(lines));
        else blocks.push(context("No resource changed."));
      } else blocks.push(context("It saved no snapshot, so there is no diff to show."));
      blocks.push(context(`${facts(e)}${e.diff && diffLines(e.diff).length ? " · full diff in the thread" : ""}`));
      break;
    }
    case "failed": {
      const took = e.durationMs === null ? "" : ` after ${formatElapsed(e.durationMs)}`;
      const messages = e.errors.map((x) => x.message.trim()).filter(Boolean);
      const first = messages[0] ?? (e.endedWithoutRecord ? "it ended without recording its end (SST's lock is gone, the update record has no completion time): most often the build failed before anything was deployed" : "no error message was recorded");
      text = `${what(e)} failed${took}: ${truncate(first.replace(/\s+/g, " "), 300)}`;
      blocks.push(section(`:x: *${esc(what(e))}* failed${took}: ${esc(truncate(first.replace(/\s+/g, " "), ERROR_CHARS))}`));
      const errorLines = e.errors.slice(0, ERRORS_SHOWN).map((x) => `• ${x.urn ? `${resourceLabel(x.urn)}: ` : ""}${esc(truncate(x.message.trim(), ERROR_CHARS))}`);
      if (e.errors.length > 1) blocks.push(...linesToSections([...errorLines, ...(e.errors.length > ERRORS_SHOWN ? [`_…and ${e.errors.length - ERRORS_SHOWN} more errors_`] : [])]));
      if (e.diff && diffLines(e.diff).length) blocks.push(section(`What it changed before it stopped: ${diffCounts(e.diff)}`));
      blocks.push(context(`${facts(e)} · Diagnose checks the state it left (pending operations, leftovers, SST's lock).`));
      blocks.push({ type: "actions", elements: [diagnoseButton(e)] });
      break;
    }
    case "stuck": {
      const idle = formatDuration(e.idleMs);
      const age = opts.now !== undefined ? ` for ${formatDuration(Math.max(0, opts.now - Date.parse(e.startedAt)))}` : "";
      text = `${e.stage}'s ${e.command ?? "update"} looks stuck: SST's lock has seen no progress for ${idle}`;
      blocks.push(
        section(
          `:warning: *${esc(e.stage)}'s ${esc(e.command ?? "update")} looks stuck*: SST's lock for update ${code(e.updateId)} has been held${esc(age)} with no progress for ${esc(idle)} (threshold ${esc(formatDuration(e.thresholdMs))}).` +
            (e.completedButLocked ? " The update record says it completed, but the lock was left behind." : ""),
        ),
      );
      blocks.push(
        section(
          [
            "*What to check*",
            `• Is a ${esc(e.command ?? "deploy")} of ${esc(e.stage)} still running${e.runId ? ` (run ${code(e.runId)})` : ""}: a CI job, someone's terminal? If it is, leave it.`,
            `• If nothing runs, SST's lock blocks every deploy ("A concurrent update was detected"): remove it with *Unlock SST* (or \`sst unlock --stage ${esc(e.stage)}\`).`,
            "• Then *Diagnose*: a killed deploy can leave pending operations and half-created resources.",
          ].join("\n"),
        ),
      );
      blocks.push(context(facts(e)));
      blocks.push({ type: "actions", elements: [unlockButton(e), diagnoseButton(e)] });
      break;
    }
  }
  return fitMessage({ text, blocks }, { overflowNote: "Shortened to fit Slack; see the thread." });
}

/** The thread reply of a finished or failed update: its whole diff (a file when it is large), or every error. */
export function renderDeployDetails(e: DeployEvent): DeployDetails | null {
  if (e.phase !== "finished" && e.phase !== "failed") return null;
  const parts: DeployDetails[] = [];
  if (e.phase === "failed" && e.errors.length > 1) {
    const lines = e.errors.map((x) => `• ${x.urn ? `${code(x.urn)}\n  ` : ""}${esc(x.message.trim())}`);
    parts.push({ message: fitMessage({ text: `${what(e)}: ${e.errors.length} errors`, blocks: [section(`*Errors of update ${code(e.updateId)}*`), ...linesToSections(lines)] }, { overflowNote: "More errors than fit; run `sst-state diagnose` for the rest." }) });
  }
  if (e.diff && (e.diff.added.length || e.diff.removed.length || e.diff.changed.length)) {
    const d = renderDiff(e.diff, { app: e.app, stage: e.stage });
    parts.push({ message: d.message, ...(d.file ? { file: d.file } : {}) });
  }
  // One reply: the diff when there is one (the errors are in the message above), else the errors.
  return parts[parts.length - 1] ?? null;
}
