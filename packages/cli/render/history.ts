/** Terminal rendering of a HistoryReport (pure). */
import type { HistoryReport } from "@sst-state/core/report-types";
import { relativeTime, shortTime, table, type Style } from "../output.ts";

export function renderHistory(r: HistoryReport, style: Style, now: number): string {
  const lines: string[] = [`${style.bold(`${r.app}/${r.stage}`)}  ${r.versions.length} version(s), newest first`];
  if (r.versions.length) {
    const rows = [["", "VERSION", "TIME", "", "COMMAND", "RESULT"].map((h) => style.dim(h))];
    r.versions.forEach((v, i) => {
      const selector = i === 0 ? "latest" : i === 1 ? "previous" : `~${i}`;
      const result =
        v.completed === null ? style.dim("no update record") : !v.completed ? style.yellow("interrupted") : v.errors ? style.red(`${v.errors} error(s)`) : style.green("ok");
      rows.push([
        v.isCurrent ? style.cyan("→") : " ",
        v.kind === "current" ? "current (differs from the newest snapshot)" : v.kind === "uncommitted" ? "uncommitted (working tree)" : v.id,
        shortTime(v.time),
        style.dim(relativeTime(v.time, now)),
        // git home: the commit's subject and author (and its sha when the id is an updateID)
        [
          `${v.command ?? ""}${v.by ? ` by ${v.by.requester}${v.by.approver ? `, approved by ${v.by.approver}` : ""}` : ""}`,
          v.commit ? `${v.commit.sha === v.id ? "" : `${v.commit.sha} `}${v.commit.subject} (${v.commit.author})` : "",
        ]
          .filter(Boolean)
          .join(" · ") || "-",
        `${result}  ${style.dim(selector)}`,
      ]);
    });
    lines.push(table(rows));
  }
  if (r.objectVersions) {
    lines.push("");
    lines.push(`raw S3 object versions of app/${r.app}/${r.stage}.json (one page):`);
    if (!r.objectVersions.length) lines.push(style.dim("  none (the local home keeps no object versions)"));
    lines.push(
      table(
        r.objectVersions.map((o) => [
          o.isLatest ? style.cyan("→") : " ",
          o.versionId,
          shortTime(o.time),
          o.deleteMarker ? style.yellow("delete marker") : `${o.size} B`,
        ]),
        { indent: "  " },
      ),
    );
    if (r.next) lines.push(style.dim(`  more: --all --cursor ${r.next}`));
  }
  return lines.join("\n");
}
