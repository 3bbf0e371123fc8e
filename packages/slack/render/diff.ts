/**
 * A state diff, grouped added / removed / changed, with the property paths that changed; a path
 * whose value is or was a secret says only "secret changed" (the report never carries values).
 *
 * A diff that does not fit in one message (Slack: 50 blocks, ~12k characters) is summarised — the
 * counts and the first entries of each group — and the full diff is returned as a text file for
 * the caller to upload into the message's thread (`Notifier.upload`).
 */
import type { DiffReport } from "@sst-state/core/report-types";
import { LIMITS, blockChars, context, fitMessage, header, linesToSections, section } from "./limits.ts";
import { code, resourceLabel } from "./text.ts";
import type { Block, SlackFile, SlackMessage } from "./types.ts";

/** Keep the full rendering only when it leaves headroom under Slack's limits. */
const FULL_MAX_BLOCKS = 40;
const FULL_MAX_CHARS = 10_000;
const FULL_MAX_ENTRIES = 400;
const SUMMARY_PER_GROUP = 10;
const PATHS_PER_RESOURCE = 6;

export interface RenderedDiff {
  message: SlackMessage;
  /** set when the message is a summary: the full diff, to upload in the thread */
  file?: SlackFile;
}

function pathLabel(path: string, secret: boolean): string {
  return secret ? `${code(path)} _(secret changed)_` : code(path);
}

function changedLine(c: DiffReport["changed"][number], maxPaths: number): string {
  const secrets = new Set(c.secrets ?? []);
  const shown = c.paths.slice(0, maxPaths).map((p) => pathLabel(p, secrets.has(p)));
  const more = c.paths.length > maxPaths ? `, +${c.paths.length - maxPaths} more` : "";
  return `• ${resourceLabel(c.urn)}: ${shown.join(", ") || "_metadata_"}${more}`;
}

function groups(report: DiffReport, per: number | undefined): Block[] {
  const blocks: Block[] = [];
  const take = <T>(xs: T[]) => (per === undefined ? xs : xs.slice(0, per));
  const more = (n: number) => (per !== undefined && n > per ? [`_…and ${(n - per).toLocaleString("en-US")} more_`] : []);
  if (report.added.length) {
    blocks.push(section(`:heavy_plus_sign: *Added* (${report.added.length.toLocaleString("en-US")})`));
    blocks.push(...linesToSections([...take(report.added).map((u) => `• ${resourceLabel(u)}`), ...more(report.added.length)]));
  }
  if (report.removed.length) {
    blocks.push(section(`:heavy_minus_sign: *Removed* (${report.removed.length.toLocaleString("en-US")})`));
    blocks.push(...linesToSections([...take(report.removed).map((u) => `• ${resourceLabel(u)}`), ...more(report.removed.length)]));
  }
  if (report.changed.length) {
    blocks.push(section(`:pencil2: *Changed* (${report.changed.length.toLocaleString("en-US")})`));
    blocks.push(
      ...linesToSections([
        ...take(report.changed).map((c) => changedLine(c, per === undefined ? 50 : PATHS_PER_RESOURCE)),
        ...more(report.changed.length),
      ]),
    );
  }
  return blocks;
}

function summaryLine(r: DiffReport): string {
  return `${r.added.length.toLocaleString("en-US")} added, ${r.removed.length.toLocaleString("en-US")} removed, ${r.changed.length.toLocaleString("en-US")} changed, ${r.unchanged.toLocaleString("en-US")} unchanged`;
}

/** The whole diff as plain text (full URNs, every path), for the thread upload. */
export function diffAsText(report: DiffReport, target: string): string {
  const out: string[] = [`sst-state diff ${target} from ${report.from} to ${report.to}`, summaryLine(report), ""];
  if (report.added.length) out.push(`Added (${report.added.length})`, ...report.added.map((u) => `+ ${u}`), "");
  if (report.removed.length) out.push(`Removed (${report.removed.length})`, ...report.removed.map((u) => `- ${u}`), "");
  if (report.changed.length) {
    out.push(`Changed (${report.changed.length})`);
    for (const c of report.changed) {
      const secrets = new Set(c.secrets ?? []);
      out.push(`~ ${c.urn}`, ...c.paths.map((p) => `    ${p}${secrets.has(p) ? "  (secret changed)" : ""}`));
    }
    out.push("");
  }
  return out.join("\n");
}

export function renderDiff(report: DiffReport, opts: { app: string; stage: string; prefix?: string }): RenderedDiff {
  const target = `${opts.app}/${opts.stage}`;
  const title = `${target}: ${report.from} → ${report.to}`;
  const head: Block[] = [header(`${target}: diff`), section(`${code(report.from)} → ${code(report.to)}: ${summaryLine(report)}`)];
  const text = `${title}: ${summaryLine(report)}`;

  if (!report.added.length && !report.removed.length && !report.changed.length) {
    return { message: fitMessage({ text, blocks: [...head, section("No differences: both versions hold the same resources with the same properties.")] }) };
  }

  // A diff with more entries than could ever fit is not rendered in full at all (50k resources).
  const entries = report.added.length + report.removed.length + report.changed.length;
  const full = entries <= FULL_MAX_ENTRIES ? [...head, ...groups(report, undefined)] : [];
  if (full.length && full.length <= FULL_MAX_BLOCKS && blockChars(full) <= FULL_MAX_CHARS && !full.some((b) => b.type === "section" && (b.text?.text.length ?? 0) >= LIMITS.sectionText)) {
    return { message: fitMessage({ text, blocks: full }) };
  }

  const filename = `diff-${opts.app}-${opts.stage}-${report.from}-${report.to}.txt`.replace(/[^A-Za-z0-9._-]/g, "_");
  const summary = [
    ...head,
    ...groups(report, SUMMARY_PER_GROUP),
    context(`The diff is too large for a message: the full diff is in the thread as ${code(filename)}.`),
  ];
  return {
    message: fitMessage({ text, blocks: summary }, { overflowNote: `Shortened; the full diff is in the thread as ${code(filename)}.` }),
    file: { filename, title: `Diff ${title}`, content: diffAsText(report, target) },
  };
}

