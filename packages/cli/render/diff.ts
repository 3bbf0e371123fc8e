/** Terminal rendering of a DiffReport (pure). Secret paths say only "secret changed". */
import type { DiffReport } from "@sst-state/core/report-types";
import type { Style } from "../output.ts";

export function renderDiff(r: DiffReport, style: Style, opts: { limit?: number } = {}): string {
  let budget = opts.limit ?? 200;
  const lines: string[] = [
    `${style.bold(`diff ${r.from} → ${r.to}`)}: ${style.green(`+${r.added.length} added`)}, ${style.red(`-${r.removed.length} removed`)}, ${style.yellow(`~${r.changed.length} changed`)}, ${r.unchanged} unchanged`,
  ];
  const group = <T>(title: string, items: T[], line: (item: T) => string[]) => {
    if (!items.length) return;
    lines.push("", title);
    for (const [i, item] of items.entries()) {
      if (budget-- <= 0) {
        lines.push(style.dim(`  … ${items.length - i} more (--json prints the full diff)`));
        return;
      }
      lines.push(...line(item));
    }
  };
  group(style.green("added"), r.added, (urn) => [`  ${style.green("+")} ${urn}`]);
  group(style.red("removed"), r.removed, (urn) => [`  ${style.red("-")} ${urn}`]);
  group(style.yellow("changed"), r.changed, (c) => {
    const secrets = new Set(c.secrets ?? []);
    return [
      `  ${style.yellow("~")} ${c.urn}`,
      ...c.paths.slice(0, 20).map((p) => `      ${p}${secrets.has(p) ? style.dim("  (secret changed)") : ""}`),
      ...(c.paths.length > 20 ? [style.dim(`      … ${c.paths.length - 20} more paths`)] : []),
    ];
  });
  if (!r.added.length && !r.removed.length && !r.changed.length) lines.push("", "no differences");
  return lines.join("\n");
}
