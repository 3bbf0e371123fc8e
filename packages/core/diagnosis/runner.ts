/**
 * Runs rules over one DiagnosisInput. Never throws because of a rule: a rule that fails is
 * reported in `skipped` with its error. Findings come out error → warning → info (stable within
 * a severity, in rule order), and never carry a secret's ciphertext.
 */
import { UsageError } from "../errors.ts";
import { ALL_RULES, RULE_NAMES } from "./registry.ts";
import { SEVERITY_ORDER, type DiagnosisInput, type DiagnosisReport, type Finding, type Rule, type RuleGroup, type RuleOptions, type Skipped } from "./types.ts";

export interface RunDiagnosisOptions extends RuleOptions {
  /** rules to run, by name or as Rule objects (default: every rule) */
  rules?: readonly (string | Rule)[];
  /** only rules of these groups */
  groups?: readonly RuleGroup[];
  /** keep at most this many findings per rule and summarize the rest in one more finding
   *  (the workflow keeps payloads small this way); default: no limit */
  maxPerRule?: number;
  /** keep the findings' JSON under about this many bytes by keeping fewer findings per rule (the
   *  rest summarized as with maxPerRule): Step Functions refuses payloads above 256 KB, and one
   *  finding can be a kilobyte; default: no limit */
  maxBytes?: number;
}

export interface FindingsPart {
  findings: Finding[];
  skipped: Skipped[];
}

export function selectRules(opts: Pick<RunDiagnosisOptions, "rules" | "groups"> = {}): Rule[] {
  let rules: Rule[] = [...ALL_RULES];
  if (opts.rules) {
    rules = opts.rules.map((r) => {
      if (typeof r !== "string") return r;
      const found = ALL_RULES.find((x) => x.name === r);
      if (!found) throw new UsageError(`There is no diagnosis rule "${r}".`, `Rules: ${RULE_NAMES.join(", ")}.`);
      return found;
    });
  }
  if (opts.groups) rules = rules.filter((r) => opts.groups!.includes(r.group));
  return rules;
}

/** Runs the rules and returns findings (unsorted, rule order) and skipped notes. */
export function runRules(input: DiagnosisInput, opts: RunDiagnosisOptions = {}): FindingsPart {
  const perRule: { rule: Rule; findings: Finding[] }[] = [];
  const skipped: Skipped[] = [];
  for (const rule of selectRules(opts)) {
    let result;
    try {
      result = rule.run(input, opts);
    } catch (e) {
      skipped.push({ rule: rule.name, why: `the rule failed: ${e instanceof Error ? e.message : String(e)}` });
      continue;
    }
    if (!Array.isArray(result)) {
      skipped.push({ rule: rule.name, why: result.skipped });
      continue;
    }
    if (result.length) perRule.push({ rule, findings: result.map(sanitize) });
  }
  let cap = opts.maxPerRule ?? Infinity;
  let findings = capFindings(perRule, cap);
  if (opts.maxBytes !== undefined && bytesOf(findings) > opts.maxBytes) {
    // the largest per-rule cap that fits (0: only the one-line summaries)
    let lo = 0;
    let hi = Math.min(cap, Math.max(...perRule.map((p) => p.findings.length)));
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (bytesOf(capFindings(perRule, mid)) <= opts.maxBytes) lo = mid;
      else hi = mid - 1;
    }
    cap = lo;
    findings = capFindings(perRule, cap);
  }
  return { findings, skipped };
}

/** At most `max` findings per rule, the rest summarized in one more finding of that rule. */
function capFindings(perRule: readonly { rule: Rule; findings: Finding[] }[], max: number): Finding[] {
  const out: Finding[] = [];
  for (const { rule, findings } of perRule) {
    if (findings.length <= max) {
      out.push(...findings);
      continue;
    }
    const rest = findings.slice(max);
    const worst = rest.reduce((s, f) => (SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[s] ? f.severity : s), rest[0]!.severity);
    out.push(...findings.slice(0, max), {
      rule: rule.name,
      severity: worst,
      message: max === 0 ? `${rest.length.toLocaleString("en-US")} ${rule.name} findings, too many to list in this report.` : `…and ${rest.length.toLocaleString("en-US")} more ${rule.name} findings like the ones above.`,
      fix: rest[0]!.fix,
    });
  }
  return out;
}

const encoder = new TextEncoder();
const sizes = new WeakMap<Finding, number>();
function bytesOf(findings: readonly Finding[]): number {
  let n = 2;
  for (const f of findings) {
    let b = sizes.get(f);
    if (b === undefined) sizes.set(f, (b = encoder.encode(JSON.stringify(f)).length + 1));
    n += b;
  }
  return n;
}

/** Sorts error → warning → info, keeping rule order within a severity. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => [f, i] as const)
    .sort((a, b) => SEVERITY_ORDER[a[0].severity] - SEVERITY_ORDER[b[0].severity] || a[1] - b[1])
    .map(([f]) => f);
}

/** Joins the parts the workflow's branches produced into one report. */
export function mergeReport(app: string, stage: string, parts: readonly FindingsPart[]): DiagnosisReport {
  return {
    app,
    stage,
    findings: sortFindings(parts.flatMap((p) => p.findings)),
    skipped: parts.flatMap((p) => p.skipped),
  };
}

export function runDiagnosis(input: DiagnosisInput, opts: RunDiagnosisOptions = {}): DiagnosisReport {
  return mergeReport(input.app, input.stage, [runRules(input, opts)]);
}

// Pulumi's passphrase ciphertext `v1:<b64 nonce>:<b64 ciphertext>`: belt and braces over text that
// rules copy from records (update errors, integrity errors); rules never copy secret objects.
const CIPHERTEXT = /v1:[A-Za-z0-9+/]{8,}={0,2}:[A-Za-z0-9+/]{8,}={0,2}/g;

function sanitize(f: Finding): Finding {
  const message = f.message.replace(CIPHERTEXT, "[secret]");
  const fix = f.fix.replace(CIPHERTEXT, "[secret]");
  return message === f.message && fix === f.fix ? f : { ...f, message, fix };
}

export function exitCodeOf(report: DiagnosisReport): 0 | 1 {
  return report.findings.some((f) => f.severity === "error") ? 1 : 0;
}
