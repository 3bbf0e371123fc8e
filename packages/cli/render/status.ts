/** Terminal rendering of a StatusReport (pure). */
import type { StatusReport } from "@sst-state/core/report-types";
import { formatDuration, typesByCount } from "@sst-state/core/format";
import { relativeTime, shortTime, table, type Style } from "../output.ts";

export function renderStatus(r: StatusReport, style: Style, now: number): string {
  const lines: string[] = [];
  lines.push(`${style.bold(`${r.app}/${r.stage}`)}  ${style.dim(r.location)}`);
  lines.push(
    table([
      ["resources", String(r.resources)],
      ["updated", r.updatedAt ? `${shortTime(r.updatedAt)} (${relativeTime(r.updatedAt, now)})` : "unknown"],
      ...(r.pulumiVersion ? [["pulumi", r.pulumiVersion]] : []),
    ], { indent: "  " }),
  );
  // SST's own lock object: a deploy is running, or one crashed and left it behind.
  if (r.lock) {
    const age = formatDuration(r.lock.ageSeconds * 1000);
    const what = `${r.lock.command ?? "update"} ${r.lock.updateID}, taken ${age === "just now" ? "just now" : `${age} ago`}`;
    lines.push("");
    if (r.lock.updateCompleted) {
      lines.push(`${style.yellow("SST lock")}  ${what}; its update completed, so the lock was left behind.`);
    } else {
      lines.push(`${style.yellow("SST lock")}  ${what}; its update never completed (a running or crashed deploy).`);
    }
    lines.push(`  fix: once no deploy is running, \`sst unlock --stage ${r.stage}\``);
  } else {
    lines.push(`${style.green("SST lock")}  none`);
  }
  if (r.lease) {
    lines.push(
      `${style.yellow("deploy lock")}  held by ${r.lease.holder} (token ${r.lease.token}) for "${r.lease.reason}", expires ${relativeTime(r.lease.expiresAt, now)}` +
        (r.lease.runUrl ? `\n  ${r.lease.runUrl}` : ""),
    );
  } else if (r.lease === null) {
    lines.push(`${style.green("deploy lock")}  free`);
  }
  if (r.lastUpdate) {
    const u = r.lastUpdate;
    const state = u.timeCompleted ? (u.errors.length ? style.red(`failed with ${u.errors.length} error(s)`) : style.green("completed")) : style.yellow("not completed");
    lines.push("");
    lines.push(`last update  ${u.command ?? "update"} ${u.id}  ${shortTime(u.timeStarted)}  ${state}`);
    for (const e of u.errors.slice(0, 10)) lines.push(`  ${style.red("✗")} ${e.urn ? `${e.urn}\n    ` : ""}${e.message.split("\n")[0]}`);
    if (u.errors.length > 10) lines.push(`  … and ${u.errors.length - 10} more`);
  }
  if (r.pendingOperations.length) {
    lines.push("");
    lines.push(style.yellow(`pending operations (${r.pendingOperations.length}), left by an interrupted deploy:`));
    for (const p of r.pendingOperations.slice(0, 10)) lines.push(`  ${p.type.padEnd(9)} ${p.urn}`);
    if (r.pendingOperations.length > 10) lines.push(`  … and ${r.pendingOperations.length - 10} more`);
    lines.push(`  run \`sst-state diagnose ${r.stage}\` for the fix`);
  }
  if (r.restores && (r.restores.pending.length || r.restores.recent.length)) {
    lines.push("");
    for (const p of r.restores.pending) {
      lines.push(
        `${style.yellow("restore requested")}  by ${p.requester} to ${p.target}, ${p.expired ? "expired" : `waiting for approval, expires ${relativeTime(p.expiresAt, now)}`} (${p.id})`,
      );
    }
    if (r.restores.recent.length) {
      lines.push("recent restore activity:");
      for (const e of r.restores.recent) lines.push(`  ${shortTime(e.time)}  ${e.action.padEnd(10)} ${e.actor}  ${e.message}`);
      lines.push(style.dim(`  sst-state audit ${r.stage} for the full log`));
    }
  }
  const types = typesByCount(r.types);
  if (types.length) {
    lines.push("");
    lines.push("resources by type:");
    lines.push(table(types.slice(0, 12).map(([t, n]) => [String(n).padStart(6), t]), { indent: "  " }));
    if (types.length > 12) lines.push(style.dim(`  … ${types.length - 12} more types (--json lists all)`));
  }
  return lines.join("\n");
}
