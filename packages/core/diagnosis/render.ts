/**
 * Text for people: the diagnosis report grouped by severity with fixes (Slack mrkdwn, or plain
 * terminal text), progress lines, and the failure message. Pure.
 */
import type { ChatMessage } from "../ports.ts";
import type { DiagnosisReport, Finding, Severity } from "./types.ts";
import { esc } from "../text/mrkdwn.ts";
import { inSlackSyntax } from "../command/verbs.ts";

const ICON: Record<Severity, string> = { error: ":red_circle:", warning: ":warning:", info: ":information_source:" };
const TITLE: Record<Severity, string> = { error: "Errors", warning: "Warnings", info: "Info" };

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const c = { error: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

export function summaryLine(report: DiagnosisReport, e: (s: string) => string = esc): string {
  const c = countBySeverity(report.findings);
  if (report.findings.length === 0) return `Diagnosis of ${e(`${report.app}/${report.stage}`)}: no problems found.`;
  const parts = (["error", "warning", "info"] as const).filter((s) => c[s]).map((s) => `${c[s]} ${s}${c[s] === 1 ? "" : "s"}`);
  return `Diagnosis of ${e(`${report.app}/${report.stage}`)}: ${parts.join(", ")}.`;
}

/**
* The whole report as text, grouped by severity, each finding with its fix. `for: "slack"`
 * (default) is mrkdwn (`*Errors*`, `_Not checked:_`, emoji icons; state-derived text such as URNs
 * escaped); `for: "terminal"` is plain text for a terminal or a CI log, where `*` and `_` would
 * print as they are.
 */
export function renderDiagnosisText(report: DiagnosisReport, opts: { maxPerSeverity?: number; icons?: boolean; for?: "slack" | "terminal" } = {}): string {
  const max = opts.maxPerSeverity ?? Infinity;
  const terminal = opts.for === "terminal";
  const bold = (t: string) => (terminal ? t : `*${t}*`);
  const italic = (t: string) => (terminal ? t : `_${t}_`);
  const icons = !terminal && opts.icons !== false;
  const e = terminal ? (s: string) => s : esc;
  const lines = [summaryLine(report, e)];
  for (const sev of ["error", "warning", "info"] as const) {
    const list = report.findings.filter((f) => f.severity === sev);
    if (!list.length) continue;
    lines.push("", `${icons ? `${ICON[sev]} ` : ""}${bold(TITLE[sev])} (${list.length})`);
    for (const f of list.slice(0, max)) {
      lines.push(`• [${f.rule}] ${e(f.message)}`, `   fix: ${e(terminal ? f.fix : inSlackSyntax(f.fix))}`);
    }
    if (list.length > max) lines.push(`• …and ${list.length - max} more (full report attached).`);
  }
  if (report.skipped.length) {
    lines.push("", italic("Not checked:"));
    // one line per reason: "empty-state, retained-orphan: no previous version to compare with"
    const byWhy = new Map<string, string[]>();
    for (const s of report.skipped) byWhy.set(s.why, [...(byWhy.get(s.why) ?? []), s.rule]);
    for (const [why, rules] of byWhy) lines.push(`• ${rules.join(", ")}: ${e(why)}`);
  }
  return lines.join("\n");
}

/** Slack keeps messages under ~40,000 characters; above this we post a summary and upload the rest. */
export const MESSAGE_LIMIT = 3_500;

export function renderDiagnosisMessage(report: DiagnosisReport): { message: ChatMessage; attachment?: string } {
  const full = renderDiagnosisText(report);
  if (full.length <= MESSAGE_LIMIT) return { message: { text: full } };
  let per = 5;
  let short = renderDiagnosisText(report, { maxPerSeverity: per });
  while (short.length > MESSAGE_LIMIT && per > 1) short = renderDiagnosisText(report, { maxPerSeverity: --per });
  if (short.length > MESSAGE_LIMIT) short = `${short.slice(0, MESSAGE_LIMIT - 40)}\n…(full report attached)`;
  return { message: { text: short }, attachment: renderDiagnosisText(report, { for: "terminal" }) };
}

export function progressText(app: string, stage: string, step: string): string {
  return `:hourglass_flowing_sand: Diagnosing ${esc(`${app}/${stage}`)}: ${esc(step)}`;
}

// the passphrase provider's ciphertext shape; error text must never carry one to Slack
const CIPHERTEXT = /v1:[A-Za-z0-9+/]{8,}={0,2}:[A-Za-z0-9+/]{8,}={0,2}/g;

/** The failure as Step Functions hands it over: `{Error, Cause}`, Cause a Lambda error JSON or text. */
export function failureText(app: string, stage: string, error: { Error?: unknown; Cause?: unknown } | undefined): string {
  let reason = typeof error?.Cause === "string" ? error.Cause : "";
  let name = typeof error?.Error === "string" ? error.Error : "Error";
  try {
    const parsed = JSON.parse(reason) as { errorMessage?: unknown; errorType?: unknown };
    if (typeof parsed.errorMessage === "string") reason = parsed.errorMessage;
    if (typeof parsed.errorType === "string") name = parsed.errorType;
  } catch {
    /* plain text */
  }
  reason = reason.replace(CIPHERTEXT, "[secret]").replace(/\s+/g, " ").trim();
  if (reason.length > 1000) reason = `${reason.slice(0, 999)}…`;
  return `:x: Diagnosis of ${esc(`${app}/${stage}`)} failed (${esc(name)}): ${esc(reason) || "no details"}\nNothing was changed. Try again with \`/sst-state diagnose ${esc(stage)}\`, or run \`sst-state diagnose ${esc(stage)}\` locally.`;
}
