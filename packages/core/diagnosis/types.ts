/**
 * Diagnoses (issue "Diagnoses: rules for every known way SST state breaks"). A rule is a pure
 * function of a `DiagnosisInput` (the states and records already read) that returns findings in
 * the user's terms, each with a concrete fix. The cloud probes run outside the rules (they need
 * AWS); their results arrive in `input.probes` so that the rules that read them stay pure.
 */
import type { Checkpoint, SstLock, UpdateRecord } from "../state/types.ts";

export type Severity = "error" | "warning" | "info";

export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** One finding: the `diagnose` JSON of DESIGN §4. Never holds a secret's value or ciphertext. */
export interface Finding {
  rule: string;
  severity: Severity;
  urn?: string;
  /** what is wrong, in the user's terms */
  message: string;
  /** concrete steps or commands */
  fix: string;
}

export interface Skipped {
  rule: string;
  why: string;
}

/** `diagnose --json`: DESIGN §4 plus `skipped` (rules or probes that could not run, and why). */
export interface DiagnosisReport {
  app: string;
  stage: string;
  findings: Finding[];
  skipped: Skipped[];
}

/** One Router KV store as read by the RouterKvProbe: `<ns>:routes` key → the route entries it holds. */
export interface RouterKvStoreEntries {
  kvStoreArn: string;
  /** KV key (`<ns>:routes`) → entries (`"type,routeNs,host,path"`), chunks (`{"parts":N}`) joined */
  routes: Record<string, string[]>;
}

/** A probe that ran (`ok`), or did not (`skipped`, with a reason for the report). */
export type ProbeOutcome<T> = { ok: true; value: T } | { ok: false; why: string };

export interface ProbeResults {
  /** one entry per KV store named by the state's KvRoutesUpdate resources */
  routerKv?: ProbeOutcome<RouterKvStoreEntries[]>;
  /** ARNs of the AWS resources tagged `sst:app=<app>`, `sst:stage=<stage>` */
  tagged?: ProbeOutcome<string[]>;
}

export interface DiagnosisInput {
  app: string;
  stage: string;
  /** ms since the epoch */
  now: number;
  current: Checkpoint;
  /** the newest version before the current one (rules that compare versions), or null */
  previous: Checkpoint | null;
  /** SST's lock object, `lock/<app>/<stage>.json` */
  sstLock: SstLock | null;
  /** the update record named by the lock's updateID (null when there is no lock or no record) */
  lockUpdate: UpdateRecord | null;
  /** update records, newest first */
  updates: UpdateRecord[];
  /** non-current S3 object versions of `app/<app>/<stage>.json` (null: unknown, e.g. local home);
   *  may stop counting above the state-bloat threshold */
  objectVersionCount: number | null;
  /** snapshots (and legacy history entries) kept for the stage, null when unknown */
  snapshotCount: number | null;
  /** true when something shows that `state.retention` is in effect (it would bound the counts) */
  retentionEvidence?: boolean;
  probes?: ProbeResults;
  /** git home: the stage's passphrase file when git has it (tracked now, or in history); null: not in git or not a git home */
  passphraseInGit?: { path: string; tracked: boolean; firstCommit: string | null; stateDir?: string } | null;
}

/** The three independent groups run as parallel branches of the workflow, then the probes. */
export type RuleGroup = "structure" | "history" | "lock" | "probe";

export interface RuleOptions {
  /** stale-lock: age above which SST's lock is stale (default 1 h) */
  staleLockMs?: number;
  /** state-bloat thresholds (defaults 10,000 object versions, 500 snapshots) */
  maxObjectVersions?: number;
  maxSnapshots?: number;
  /** empty-state: how many resources the previous version must have had (default 3) */
  emptyStateMinPrevious?: number;
}

/** What a rule returns: findings, or a reason it could not run. */
export type RuleResult = Finding[] | { skipped: string };

export interface Rule {
  name: string;
  group: RuleGroup;
  /** one line for `help` and the docs */
  description: string;
  run(input: DiagnosisInput, opts: RuleOptions): RuleResult;
}
