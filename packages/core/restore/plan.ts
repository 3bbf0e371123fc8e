/**
 * Pure helpers of a restore: labels, the stored diff summary, hashes.
 */
import { createHash } from "node:crypto";
import { formatTime } from "../format.ts";
import type { DiffReport } from "../report-types.ts";
import type { StateVersion } from "../ports.ts";
import type { RestoreDiffSummary, RestoreRequest } from "./ports.ts";

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** `update 0ff1e2d3c4b5a6978899aabb (deploy, 2025-03-01 10:00 UTC)` */
export function versionLabel(v: Pick<StateVersion, "kind" | "id" | "updateId" | "time" | "update" | "commit">): string {
  const cmd = v.update?.command;
  if (v.kind === "uncommitted") return `uncommitted working-tree state of ${formatTime(v.time)}`;
  if (v.kind === "commit" && v.commit) return `commit ${v.commit.short} "${v.commit.subject.slice(0, 60)}" (${v.commit.author}, ${formatTime(v.time)})`;
  if (v.kind === "current") return `current state of ${formatTime(v.time)}${cmd ? ` (${cmd}, not a finished deploy)` : " (not a deploy snapshot)"}`;
  return `update ${v.updateId ?? v.id} (${cmd ? `${cmd}, ` : ""}${formatTime(v.time)}${v.commit ? `, commit ${v.commit.short}` : ""})`;
}

/** How many entries of the diff go into the request (the full diff is uploaded as a file). */
export const TOP_CHANGES = 20;

/**
 * Counts plus the most important entries: what the state will forget (removed: Pulumi will no
 * longer know these resources, which still exist in AWS), then what it will claim again (added:
 * refresh drops those that no longer exist), then changed properties.
 */
export function summarizeDiff(diff: DiffReport, top = TOP_CHANGES): RestoreDiffSummary {
  const entries: RestoreDiffSummary["top"] = [
    ...diff.removed.map((urn) => ({ kind: "removed" as const, urn })),
    ...diff.added.map((urn) => ({ kind: "added" as const, urn })),
    ...diff.changed.map((c) => ({
      kind: "changed" as const,
      urn: c.urn,
      paths: c.paths.slice(0, 8),
      ...(c.secrets?.length ? { secrets: c.secrets.slice(0, 8) } : {}),
    })),
  ];
  return {
    added: diff.added.length,
    removed: diff.removed.length,
    changed: diff.changed.length,
    unchanged: diff.unchanged,
    top: entries.slice(0, top),
  };
}

/** The full diff as text, for a file upload. Secrets appear only as "secret changed". */
export function diffAsText(diff: DiffReport, req: Pick<RestoreRequest, "app" | "stage">): string {
  const lines = [`# ${req.app}/${req.stage}: ${diff.from} → ${diff.to}`, ""];
  lines.push(`removed from state (${diff.removed.length}):`, ...diff.removed.map((u) => `  - ${u}`), "");
  lines.push(`added to state (${diff.added.length}):`, ...diff.added.map((u) => `  + ${u}`), "");
  lines.push(`changed (${diff.changed.length}):`);
  for (const c of diff.changed) {
    lines.push(`  ~ ${c.urn}`);
    const secret = new Set(c.secrets ?? []);
    for (const p of c.paths) lines.push(`      ${p}${secret.has(p) ? " (secret changed)" : ""}`);
  }
  lines.push("", `unchanged: ${diff.unchanged}`);
  return lines.join("\n") + "\n";
}

export function isLargeDiff(s: RestoreDiffSummary): boolean {
  return s.added + s.removed + s.changed > s.top.length || s.top.some((t) => (t.paths?.length ?? 0) >= 8);
}

/** `rr-` and hex: what newRequestId makes (older ids may be longer; never more than 64). */
export function isRequestId(id: string): boolean {
  return /^rr-[0-9a-f]{8,61}$/.test(id);
}

export function newRequestId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return `rr-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
