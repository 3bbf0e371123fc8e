/**
 * The status card of one stage: resources and types, the last update and its errors, SST's own
 * lock (its age, whether its update completed, and how to clear it), our lease, and pending
 * operations left by an interrupted deploy.
 */
import { typesByCount } from "@sst-state/core/format";
import type { StatusReport } from "@sst-state/core/report-types";
import { context, divider, fitMessage, header, linesToSections, section, truncate } from "./limits.ts";
import { code, esc, link, formatDuration, formatTime, plural, resourceLabel, who } from "./text.ts";
import type { Block, SlackMessage } from "./types.ts";
import { hidePaths } from "./error.ts";

const MAX_ERRORS = 5;
const MAX_PENDING = 10;
const MAX_TYPES = 12;

export function renderStatus(report: StatusReport, opts: { now: number; prefix?: string }): SlackMessage {
  const prefix = opts.prefix ?? "/sst-state";
  const target = `${report.app}/${report.stage}`;
  const blocks: Block[] = [header(`${target}: status`)];
  const problems: string[] = [];

  blocks.push({
    type: "section",
    fields: [
      { type: "mrkdwn", text: `*Resources*\n${report.resources.toLocaleString("en-US")}` },
      { type: "mrkdwn", text: `*State updated*\n${formatTime(report.updatedAt, opts.now)}` },
      ...(report.pulumiVersion ? [{ type: "mrkdwn" as const, text: `*Pulumi*\n${esc(report.pulumiVersion)}` }] : []),
      { type: "mrkdwn", text: `*Home*\n${esc(hidePaths(report.location))}` },
    ],
  });

  // --- last update ---------------------------------------------------------------------------
  const u = report.lastUpdate;
  if (u) {
    const state = u.timeCompleted
      ? u.errors.length
        ? `:x: finished with ${plural(u.errors.length, "error")}`
        : ":white_check_mark: completed"
      : ":hourglass_flowing_sand: not completed";
    const took =
      u.timeStarted && u.timeCompleted ? ` in ${formatDuration(Date.parse(u.timeCompleted) - Date.parse(u.timeStarted))}` : "";
    const lines = [
      `*Last update* ${code(u.id)} · ${u.command ? code(u.command) : "unknown command"} · ${state}${took}`,
      `started ${formatTime(u.timeStarted, opts.now)}${u.timeCompleted ? `, finished ${formatTime(u.timeCompleted)}` : ""}`,
    ];
    blocks.push(section(lines.join("\n")));
    if (u.errors.length) {
      problems.push(plural(u.errors.length, "error") + " in the last update");
      const errLines = u.errors.slice(0, MAX_ERRORS).map((e) => {
        const where = e.urn ? `${resourceLabel(e.urn)}: ` : "";
        return `• ${where}${esc(truncate(e.message.replace(/\s+/g, " "), 400))}`;
      });
      if (u.errors.length > MAX_ERRORS) errLines.push(`…and ${plural(u.errors.length - MAX_ERRORS, "more error")}`);
      blocks.push(...linesToSections(errLines));
    }
  } else {
    blocks.push(section("*Last update* none recorded for this stage."));
  }

  // --- SST's lock -----------------------------------------------------------------------------
  const lock = report.lock;
  if (lock) {
    const age = formatDuration(lock.ageSeconds * 1000);
    const fix = `\`sst unlock --stage ${esc(report.stage)}\` once no deploy is running`;
    const text = lock.updateCompleted
      ? `:lock: *SST's lock* has been held for ${age} (update ${code(lock.updateID)}${lock.command ? `, ${code(lock.command)}` : ""}), ` +
        `but that update completed: the lock was left behind. Clear it with ${fix}.`
      : `:lock: *SST's lock* has been held for ${age} by update ${code(lock.updateID)}${lock.command ? ` (${code(lock.command)})` : ""}, ` +
        `which has not completed: a deploy is running, or it crashed. If it crashed, clear it with ${fix}.`;
    blocks.push(section(text));
    problems.push(`SST's lock held for ${age}`);
  } else {
    blocks.push(section(":unlock: *SST's lock* is free: no deploy is running."));
  }

  // --- our lease ------------------------------------------------------------------------------
  if (report.lease) {
    const l = report.lease;
    const left = Date.parse(l.expiresAt) - opts.now;
    blocks.push(
      section(
        `:closed_lock_with_key: *Deploy lock* held by ${who(l.holder)}: ${esc(truncate(l.reason, 500))}` +
          ` (since ${formatTime(l.acquiredAt, opts.now)}, ${left > 0 ? `expires in ${formatDuration(left)}` : "expired"}, token ${l.token})` +
          (l.runUrl ? ` · ${link(l.runUrl, "run")}` : ""),
      ),
    );
  } else if (report.lease === null) {
    blocks.push(section(`*Deploy lock* free: take it with \`${prefix} lock ${esc(report.stage)} <reason>\`.`));
  }

  // --- restores ------------------------------------------------------------------------------
  if (report.restores?.pending.length) {
    const lines = report.restores.pending.map(
      (p) =>
        `:rewind: *Restore requested* by ${who(p.requester)} to ${code(p.target)}: ` +
        (p.expired ? "expired" : `waiting for approval (expires ${formatTime(p.expiresAt, opts.now)})`),
    );
    blocks.push(...linesToSections(lines));
  }
  if (report.restores?.recent.length) {
    const lines = report.restores.recent.map((e) => `• ${formatTime(e.time, opts.now)} ${code(e.action)} ${who(e.actor)}: ${esc(truncate(e.message, 200))}`);
    blocks.push(context(`Recent restore activity (\`${prefix} audit\` is the CLI's \`sst-state audit ${esc(report.stage)}\`):`), ...linesToSections(lines));
  }

  // --- pending operations ---------------------------------------------------------------------
  if (report.pendingOperations.length) {
    const ops = report.pendingOperations;
    problems.push(plural(ops.length, "pending operation"));
    const lines = [
      `:warning: *${plural(ops.length, "pending operation")}* left by an interrupted deploy:`,
      ...ops.slice(0, MAX_PENDING).map((p) => `• ${code(p.type)} ${resourceLabel(p.urn)}`),
      ...(ops.length > MAX_PENDING ? [`…and ${ops.length - MAX_PENDING} more`] : []),
      `\`${prefix} diagnose ${esc(report.stage)}\` says how to clear them.`,
    ];
    blocks.push(...linesToSections(lines));
  }

  // --- types ----------------------------------------------------------------------------------
  const types = typesByCount(report.types);
  if (types.length) {
    const shown = types.slice(0, MAX_TYPES).map(([t, n]) => `${String(n).padStart(6)}  ${t}`);
    if (types.length > MAX_TYPES) shown.push(`   …  ${types.length - MAX_TYPES} more types`);
    blocks.push(divider, section("*Types*\n```" + esc(shown.join("\n")) + "```"));
  }
  blocks.push(context(`${esc(hidePaths(report.location))} · \`${prefix} history ${esc(report.stage)}\` for earlier versions`));

  const summary = problems.length ? problems.join(", ") : "no problems seen";
  return fitMessage({ text: `${target}: ${plural(report.resources, "resource")}, ${summary}`, blocks });
}
