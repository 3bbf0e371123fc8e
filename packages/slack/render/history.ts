/**
 * The history list: one line per state version, newest first, with the selector that names it
 * (what `diff` and `restore` accept), and with `--all` one page of raw S3 object versions.
 */
import type { HistoryReport } from "@sst-state/core/report-types";
import { context, fitMessage, header, linesToSections, section } from "./limits.ts";
import { code, esc, formatTime, plural, who } from "./text.ts";
import type { Block, SlackMessage } from "./types.ts";

function sizeLabel(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function renderHistory(report: HistoryReport, opts: { now: number; prefix?: string; all?: boolean }): SlackMessage {
  const prefix = opts.prefix ?? "/sst-state";
  const target = `${report.app}/${report.stage}`;
  const blocks: Block[] = [header(`${target}: history`)];

  if (report.versions.length === 0) {
    blocks.push(section("No versions recorded yet: SST writes a snapshot on every deploy."));
  } else {
    const lines = report.versions.map((v) => {
      const state =
        v.completed === false ? ":hourglass_flowing_sand: not completed" : v.errors ? `:x: ${plural(v.errors, "error")}` : v.completed ? ":white_check_mark:" : "";
      const tags = [
        v.isCurrent ? "*current*" : "",
        v.kind === "history" ? "legacy history" : v.kind === "current" ? "current file, no snapshot" : v.kind === "uncommitted" ? "working tree, not committed" : "",
        v.commit ? `${v.commit.sha === v.id ? "" : `commit ${code(v.commit.sha)}: `}${esc(v.commit.subject)} by ${esc(v.commit.author)}` : "",
      ].filter(Boolean);
      return [
        `${code(v.id)}`,
        formatTime(v.time, opts.now),
        v.command ? code(v.command) : "",
        v.by ? `by ${who(v.by.requester)}${v.by.approver ? `, approved by ${who(v.by.approver)}` : ""}` : "",
        state,
        v.version && !v.by ? `SST ${esc(v.version)}` : "",
        tags.length ? `(${tags.join(", ")})` : "",
      ]
        .filter(Boolean)
        .join(" · ");
    });
    blocks.push(...linesToSections(lines));
  }

  if (report.objectVersions) {
    blocks.push(section(`*S3 object versions* of \`app/${esc(report.app)}/${esc(report.stage)}.json\` (a deploy writes many):`));
    if (report.objectVersions.length === 0) blocks.push(section("None (the local home keeps no object versions)."));
    const lines = report.objectVersions.map(
      (o) =>
        `${code(o.versionId)} · ${formatTime(o.time, opts.now)} · ${o.deleteMarker ? "delete marker" : sizeLabel(o.size)}${o.isLatest ? " · *latest*" : ""}`,
    );
    blocks.push(...linesToSections(lines));
    if (report.next) {
      blocks.push(context(`More: \`${prefix} history ${esc(report.stage)} --all --cursor ${esc(report.next)}\``));
    }
  }
  blocks.push(
    context(`Compare two: \`${prefix} diff ${esc(report.stage)} previous latest\` · roll back: \`${prefix} restore ${esc(report.stage)} <version>\``),
  );

  return fitMessage(
    { text: `${target}: ${plural(report.versions.length, "version")}`, blocks },
    { overflowNote: `More versions than fit in one message; narrow it with \`${prefix} history ${esc(report.stage)} --limit 20\`.` },
  );
}
