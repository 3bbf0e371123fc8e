/**
 * The workflow's task handlers, one per Task state (packages/functions/diagnose.ts exposes each as
 * a Lambda; packages/adapters/workflow-local.ts runs them in-process under the same definition).
 *
 * Every task gets the whole workflow state (small: the request, `ref`, the rule parts) and reads
 * what it needs through the StateStore itself, so no checkpoint ever travels through Step
 * Functions. In one process the parsed checkpoints are cached (keyed by the state's token or
 * version id), so the three parallel rule branches parse each state once.
 */
import { isSstStateError } from "../errors.ts";
import type { ChatMessage, Clock, CurrentState, CurrentStateReader, Notifier, StateStore, StateVersion } from "../ports.ts";
import { indexHere, lazyCheckpoint, readCheckpoint, readCheckpointInWindows, type VersionIndexer } from "../state/checkpoint-index.ts";
import { parseCheckpoint } from "../state/parse.ts";
import type { Checkpoint } from "../state/types.ts";
import type { DiagnosisProbes, DiagnosisRequest, SlackRef } from "./ports.ts";
import { failureText, progressText, renderDiagnosisMessage } from "./render.ts";
import { routeEntriesOf } from "./rules/router-kv-drift.ts";
import { DEFAULT_MAX_OBJECT_VERSIONS } from "./rules/state-bloat.ts";
import { mergeReport, runRules, type FindingsPart } from "./runner.ts";
import type { DiagnosisInput, DiagnosisReport, ProbeOutcome, ProbeResults, RouterKvStoreEntries, RuleGroup, RuleOptions, Skipped } from "./types.ts";

/** What Load returns (`$.ref`): references and counts, never state. */
export interface DiagnosisRef {
  app: string;
  stage: string;
  /** `stamp`: which current state the steps read (the store's cheap stamp, else its token) */
  current: { stamp: string; time: string; versionId?: string; size: number; resources: number };
  /** the version rules compare with: the newest one that is not the current state */
  previous: Omit<StateVersion, "update"> | null;
  lockUpdateId: string | null;
  objectVersionCount: number | null;
  snapshotCount: number | null;
  startedAt: string;
}

export interface WorkflowState extends DiagnosisRequest {
  ref?: DiagnosisRef;
  rules?: FindingsPart[];
  cloud?: FindingsPart;
  error?: { Error?: string; Cause?: unknown };
}

export interface DiagnosisTasks {
  load(state: WorkflowState): Promise<DiagnosisRef>;
  structureRules(state: WorkflowState): Promise<FindingsPart>;
  historyRules(state: WorkflowState): Promise<FindingsPart>;
  lockRules(state: WorkflowState): Promise<FindingsPart>;
  probes(state: WorkflowState): Promise<FindingsPart>;
  report(state: WorkflowState): Promise<DiagnosisReport>;
  notifyFailure(state: WorkflowState): Promise<{ posted: boolean }>;
}

export interface DiagnosisTaskDeps {
  store: StateStore;
  /** absent: no Slack (the CLI); progress and the report are then not posted */
  notifier?: Notifier;
  probes?: DiagnosisProbes;
  clock: Clock;
  rules?: RuleOptions & {
    /** findings kept per rule in the workflow's payloads (default 50; the rest are summarized) */
    maxPerRule?: number;
    /** bytes of findings each of the four parts (three rule branches, probes) may carry (default
     *  28,000): the Report state holds all four and then the report, under Step Functions' 256 KB */
    maxPartBytes?: number;
  };
  /** the report as posted: the chat surface adds its layout (Slack: the "Propose fix" button,
   *  packages/slack/render/repair.ts); default: the text alone */
  reportMessage?: (report: DiagnosisReport, message: ChatMessage) => ChatMessage;
  /** update records the lock rules read (default 20) */
  updateLimit?: number;
  /** how long one probe may take before it is reported as skipped (default 120 s; the Probes
   *  state itself times out at 300 s, which would fail the whole diagnosis) */
  probeTimeoutMs?: number;
  /**
   * Every step runs in this process (the local workflow of the CLI and `serve`), so Load may
   * start what a later step reads. Not in AWS, where each step is a Lambda of its own.
   */
  oneProcess?: boolean;
  /**
   * Reads and scans the version the history rules compare with (default: in this thread). The CLI
   * and `serve` scan it in a worker thread while this one parses the current state
   * (adapters/index-worker.ts): the two biggest pieces of a diagnosis's work then run side by side.
   */
  indexVersion?: VersionIndexer;
}

const EMPTY: Checkpoint = {
  version: 3,
  wrapped: true,
  features: [],
  stack: "",
  manifest: {},
  secretsProviderType: undefined,
  resources: [],
  pendingOperations: [],
  metadata: undefined,
  size: 0,
  raw: null,
};

export function createDiagnosisTasks(deps: DiagnosisTaskDeps): DiagnosisTasks {
  const { store, notifier, clock } = deps;
  const { maxPartBytes = 28_000, ...rest } = deps.rules ?? {};
  const ruleOpts = { maxPerRule: 50, maxBytes: maxPartBytes, ...rest };
  const cache = new Map<string, Promise<Checkpoint>>();

  const cached = (key: string, load: () => Promise<Checkpoint>): Promise<Checkpoint> => {
    let p = cache.get(key);
    if (!p) {
      p = load();
      cache.set(key, p);
      p.catch(() => cache.delete(key));
      while (cache.size > 6) cache.delete(cache.keys().next().value!);
    }
    return p;
  };

  const refOf = (s: WorkflowState): DiagnosisRef => {
    if (!s.ref) throw new Error("The workflow state has no `ref`: Load did not run before this step.");
    return s.ref;
  };

  /**
   * The current state, parsed once per stamp. Load hands over what it has already: the bytes, or
   * the open file of a store that reads in pieces, which is read through a window
   * (readCheckpointInWindows) and never held whole. A file that fails to read through it, or that
   * changed size while read, is read whole, which answers or fails as ever; one the scan refused
   * is parsed whole at once (readCheckpoint would scan it again first).
   */
  const currentOf = (ref: Pick<DiagnosisRef, "app" | "stage" | "current">, have?: { bytes: Uint8Array } | { reader: CurrentStateReader }): Promise<Checkpoint> => {
    const key = `${ref.app}/${ref.stage}@${ref.current.stamp}`;
    const reader = have && "reader" in have ? have.reader : undefined;
    // parsed already, or being parsed (a second diagnosis of an unchanged stage in `serve`): the
    // file opened for this one is not needed
    if (reader && cache.has(key)) void reader.close().catch(() => {});
    return cached(key, async () => {
      const source = `${ref.app}/${ref.stage} (current)`;
      if (have && "bytes" in have) return readCheckpoint(have.bytes, source);
      let refused = false;
      if (reader) {
        const read = await readCheckpointInWindows((into, offset, length) => reader.read(into, offset, length), source)
          .catch(() => undefined)
          .finally(() => reader.close().catch(() => {}));
        if (read && "checkpoint" in read && read.size === reader.size) return read.checkpoint;
        refused = read !== undefined && "stepAside" in read && read.stepAside === "refused";
      }
      const bytes = (await store.readCurrent(ref.app, ref.stage)).bytes;
      return refused ? parseCheckpoint(bytes, source) : readCheckpoint(bytes, source);
    });
  };

  /** The version the history rules compare with: the newest one that is not the current state. */
  const previousVersion = (versions: StateVersion[]): Omit<StateVersion, "update"> | null => {
    const v = versions.find((x) => !x.isCurrent);
    if (!v) return null;
    const { update: _u, ...previous } = v;
    return previous;
  };

  /** `handedOff`: told when the indexer needs this thread no more to go on (Load waits for it, see there) */
  const previousOf = (ref: Pick<DiagnosisRef, "app" | "stage" | "previous">, handedOff?: () => void): Promise<Checkpoint | null> => {
    const prev = ref.previous;
    if (!prev) return Promise.resolve(null);
    // scanned, not parsed: the history rules look into the few resources a deploy removed or
    // added and match the rest by URN (checkpoint-index.ts lazyCheckpoint)
    const indexVersion = deps.indexVersion ?? indexHere;
    const key = `${ref.app}/${ref.stage}#${prev.kind}:${prev.id}`;
    // already indexed or being indexed (two diagnoses of a stage in `serve`): nothing to hand off
    if (cache.has(key)) handedOff?.();
    return cached(key, async () =>
      lazyCheckpoint(await indexVersion(() => store.readVersion(ref.app, ref.stage, prev), `${ref.app}/${ref.stage} (${prev.id})`, handedOff)),
    );
  };

  /** Progress is best effort: a Slack hiccup must not fail the diagnosis. */
  const progress = async (s: WorkflowState, step: string) => {
    if (!notifier || !s.slack?.ts) return;
    try {
      await notifier.update(s.slack.channel, s.slack.ts, { text: progressText(s.app, s.stage, step) });
    } catch {
      /* best effort */
    }
  };

  const baseInput = (ref: DiagnosisRef, current: Checkpoint): DiagnosisInput => ({
    app: ref.app,
    stage: ref.stage,
    now: clock.now(),
    current,
    previous: null,
    sstLock: null,
    lockUpdate: null,
    updates: [],
    objectVersionCount: ref.objectVersionCount,
    snapshotCount: ref.snapshotCount,
  });

  const group = (g: RuleGroup, input: DiagnosisInput): FindingsPart => runRules(input, { ...ruleOpts, groups: [g] });

  const tasks: DiagnosisTasks = {
    async load(s) {
      await progress(s, "loading…");
      const { app, stage } = s;
      const listed = store.listVersions(app, stage, { records: 0 });
      // In one process the history rules' read of the previous version starts as soon as the
      // listing names it, while the current state is still being read: the two reads overlap
      // (and its scan runs while the current one is read). A failure here is the history step's
      // to report: the failed read is not cached, so that step reads again and fails with it.
      let previousHandedOff: Promise<void> | undefined;
      if (deps.oneProcess) {
        let handedOff!: () => void;
        previousHandedOff = new Promise<void>((r) => (handedOff = r));
        void listed
          .then((versions) => previousOf({ app, stage, previous: previousVersion(versions) }, handedOff))
          .catch(() => {})
          .finally(handedOff);
      }
      // In one process, a store that reads in pieces (local and S3 homes) gives the current state as an
      // open file: it is parsed as it is read, and never held whole (currentOf).
      const opening = deps.oneProcess && store.openCurrent ? store.openCurrent(app, stage).then((reader) => ({ reader })) : store.readCurrent(app, stage).then((cur) => ({ cur }));
      // the S3 home's count of old versions pages through ListObjectVersions: alongside the reads
      const counting = store.home === "aws" ? countObjectVersions(store, app, stage, (deps.rules?.maxObjectVersions ?? DEFAULT_MAX_OBJECT_VERSIONS) + 1) : Promise.resolve(null);
      // Any failure before currentOf takes the file (below, nothing else can throw) closes it here.
      const [got, versions, lock, objectVersionCount] = await Promise.all([opening, listed, store.readSstLock(app, stage), counting]).catch(async (e: unknown) => {
        const opened = await opening.catch(() => undefined);
        if (opened && "reader" in opened) await opened.reader.close().catch(() => {});
        throw e;
      });
      // The parse below holds this thread for seconds. An indexer that scans elsewhere (a worker:
      // adapters/index-worker.ts) gets the previous version's bytes from this thread once they are
      // read (alongside the current one): wait until it says it has them (VersionIndexer
      // `handedOff`), so that its scan runs beside the parse, not after it. A parse as the file is
      // read gives this thread back at every piece, so the hand-off happens meanwhile.
      if ("cur" in got) await previousHandedOff;
      // the stamp, not the token: a local home's token hashes the whole file (restore needs it)
      const from = "cur" in got ? { stamp: got.cur.stamp ?? got.cur.token, time: got.cur.time, versionId: got.cur.versionId, size: got.cur.bytes.length } : got.reader;
      const ref: DiagnosisRef = {
        app,
        stage,
        current: { stamp: from.stamp, time: from.time, ...(from.versionId ? { versionId: from.versionId } : {}), size: from.size, resources: 0 },
        previous: previousVersion(versions),
        lockUpdateId: lock?.updateID ?? null,
        objectVersionCount,
        snapshotCount: versions.filter((v) => v.kind !== "current").length,
        startedAt: new Date(clock.now()).toISOString(),
      };
      // parse once here: a state that cannot be read fails the diagnosis early with a clear message;
      // currentOf closes the reader
      const have = "reader" in got ? { reader: got.reader } : { bytes: got.cur.bytes };
      const cp = await currentOf(ref, have);
      ref.current.resources = cp.resources.length;
      // read in pieces: the size parsed (a gzip file's decoded, as a whole read gives it)
      if ("reader" in have) ref.current.size = cp.size;
      await progress(s, `running the rules on ${cp.resources.length.toLocaleString("en-US")} resources…`);
      return ref;
    },

    async structureRules(s) {
      const ref = refOf(s);
      return group("structure", baseInput(ref, await currentOf(ref)));
    },

    async historyRules(s) {
      const ref = refOf(s);
      const [current, previous] = await Promise.all([currentOf(ref), previousOf(ref)]);
      return group("history", { ...baseInput(ref, current), previous });
    },

    async lockRules(s) {
      const ref = refOf(s);
      const [sstLock, updates, passphraseInGit] = await Promise.all([
        store.readSstLock(ref.app, ref.stage),
        store.listUpdates(ref.app, ref.stage, deps.updateLimit ?? 20),
        store.passphraseInGit ? store.passphraseInGit(ref.app, ref.stage) : Promise.resolve(null),
      ]);
      const lockUpdate = sstLock ? (updates.find((u) => u.id === sstLock.updateID) ?? (await store.readUpdate(ref.app, ref.stage, sstLock.updateID))) : null;
      return group("lock", { ...baseInput(ref, EMPTY), sstLock, lockUpdate, updates, passphraseInGit });
    },

    async probes(s) {
      const ref = refOf(s);
      const found = (s.rules ?? []).reduce((n, p) => n + p.findings.length, 0);
      await progress(s, `rules done (${found} finding${found === 1 ? "" : "s"}) · probes…`);
      const current = await currentOf(ref);
      const skipped: Skipped[] = [];
      const results: ProbeResults = {};
      const probes = deps.probes;
      const limit = deps.probeTimeoutMs ?? 120_000;
      const off = s.probes === false ? "cloud probes were turned off for this run" : !probes || probes.unavailable ? (probes?.unavailable ?? "no AWS access is configured") : undefined;
      if (off) {
        results.routerKv = { ok: false, why: off };
        results.tagged = { ok: false, why: off };
      } else {
        const stores = [...new Set(routeEntriesOf(current.resources).map((r) => r.kvStoreArn))];
        const [kv, tagged] = await Promise.all([
          probes!.routerKv && stores.length
            ? Promise.all(stores.map(async (arn) => ({ arn, outcome: await safely(() => probes!.routerKv!.listRouteEntries(arn), limit) })))
            : Promise.resolve(null),
          probes!.tagged ? safely(() => probes!.tagged!.listTaggedArns(ref.app, ref.stage), limit) : Promise.resolve(null),
        ]);
        if (kv) {
          const ok: RouterKvStoreEntries[] = [];
          const failed: string[] = [];
          for (const { arn, outcome } of kv) {
            if (outcome.ok) ok.push({ kvStoreArn: arn, routes: outcome.value });
            else failed.push(`${arn}: ${outcome.why}`);
          }
          if (ok.length === 0 && failed.length) results.routerKv = { ok: false, why: failed.join("; ") };
          else {
            results.routerKv = { ok: true, value: ok };
            for (const why of failed) skipped.push({ rule: "router-kv-drift", why });
          }
        } else if (stores.length) results.routerKv = { ok: false, why: "no Router KV probe is configured" };
        results.tagged = tagged ?? { ok: false, why: "no tagged-resources probe is configured" };
      }
      const part = group("probe", { ...baseInput(ref, current), probes: results });
      return { findings: part.findings, skipped: [...skipped, ...part.skipped] };
    },

    async report(s) {
      const ref = refOf(s);
      const report = mergeReport(ref.app, ref.stage, [...(s.rules ?? []), ...(s.cloud ? [s.cloud] : [])]);
      if (notifier && s.slack) await postReport(notifier, s.slack, report, deps.reportMessage);
      return report;
    },

    async notifyFailure(s) {
      if (!notifier || !s.slack) return { posted: false };
      const text = failureText(s.app, s.stage, s.error);
      if (s.slack.ts) await notifier.update(s.slack.channel, s.slack.ts, { text });
      else await notifier.post(s.slack.channel, { text, ...(s.slack.threadTs ? { threadTs: s.slack.threadTs } : {}) });
      return { posted: true };
    },
  };

  return tasks;
}

/**
 * Step Functions hands only an error's name and message to the next state (NotifyFailure), so a
 * domain error's hint is folded into the message before it leaves a task (Lambda handler, local
 * workflow). Other errors pass unchanged.
 */
export function errorForWorkflow(e: unknown): unknown {
  if (isSstStateError(e) && e.hint && !e.message.includes(e.hint)) {
    const err = new Error(`${e.message} ${e.hint}`, { cause: e });
    err.name = e.name;
    return err;
  }
  return e;
}

/** A probe never crashes or stalls the diagnosis: an unexpected throw, or no answer within
 *  `limitMs`, becomes a skipped note. */
async function safely<T>(fn: () => Promise<ProbeOutcome<T>>, limitMs: number): Promise<ProbeOutcome<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<ProbeOutcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, why: `the probe did not answer within ${Math.round(limitMs / 1000)} s` }), limitMs);
  });
  try {
    return await Promise.race([fn(), late]);
  } catch (e) {
    return { ok: false, why: `the probe failed: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    clearTimeout(timer);
  }
}

async function postReport(notifier: Notifier, slack: SlackRef, report: DiagnosisReport, layout?: DiagnosisTaskDeps["reportMessage"]): Promise<void> {
  const rendered = renderDiagnosisMessage(report);
  const attachment = rendered.attachment;
  const message = layout ? layout(report, rendered.message) : rendered.message;
  let threadTs = slack.threadTs ?? slack.ts;
  if (slack.ts) await notifier.update(slack.channel, slack.ts, message);
  else threadTs = (await notifier.post(slack.channel, { ...message, ...(slack.threadTs ? { threadTs: slack.threadTs } : {}) })).ts;
  if (attachment) {
    await notifier.upload(slack.channel, {
      filename: `diagnose-${report.app}-${report.stage}.txt`,
      title: `Diagnosis of ${report.app}/${report.stage}`,
      content: `${attachment}\n\n${JSON.stringify(report, null, 2)}\n`,
      ...(threadTs ? { threadTs } : {}),
    });
  }
}

/** Non-current object versions of the current state, counting no further than `cap`. */
async function countObjectVersions(store: StateStore, app: string, stage: string, cap: number): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await store.listObjectVersions(app, stage, { limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const v of page.versions) if (!v.isLatest) n++;
    cursor = page.cursor;
  } while (cursor && n < cap);
  return n;
}
