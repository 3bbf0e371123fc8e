import { describe, expect, it } from "vitest";
import { createMemoryStateStore } from "@sst-state/test-kit/memory/state-store";
import { generateHome, DEFAULT_HOME_NOW } from "@sst-state/core/state/generate-home";
import { parseCheckpoint } from "@sst-state/core/state/parse";
import type { ChatMessage, CurrentStateReader, Notifier, StateStore } from "@sst-state/core/ports";
import { createDiagnosisTasks, routeEntriesOf, type DiagnosisProbes, type DiagnosisTasks, type WorkflowState } from "@sst-state/core/diagnosis";
import { StageNotFoundError } from "@sst-state/core/errors";
import { indexCheckpoint, type VersionIndexer } from "@sst-state/core/state/checkpoint-index";
import { createLocalWorkflow } from "../../workflow-local.ts";

interface Sent {
  kind: "post" | "update" | "upload";
  channel: string;
  ts?: string;
  text: string;
}

function recordingNotifier(): Notifier & { sent: Sent[] } {
  const sent: Sent[] = [];
  let n = 0;
  return {
    sent,
    async post(channel, message) {
      sent.push({ kind: "post", channel, text: message.text });
      return { channel, ts: `9.${++n}` };
    },
    async update(channel, ts, message: ChatMessage) {
      sent.push({ kind: "update", channel, ts, text: message.text });
    },
    async upload(channel, file) {
      sent.push({ kind: "upload", channel, text: file.content });
    },
  };
}

const clock = { now: () => DEFAULT_HOME_NOW };
const slack = { channel: "C0PROD", ts: "1700000000.000100" };

function setup(stage: Parameters<typeof generateHome>[0]["stages"][number] = { name: "prod", resources: 120, deploys: 3 }, probes?: DiagnosisProbes) {
  const home = generateHome({ app: "shop", stages: [stage] as never, seed: 5 });
  const store = createMemoryStateStore(home.files, { clock });
  const notifier = recordingNotifier();
  const tasks = createDiagnosisTasks({ store, notifier, clock, ...(probes ? { probes } : {}) });
  return { home, store, notifier, tasks };
}

describe("local diagnosis workflow (aws-local-stepfunctions, same definition)", () => {
  it("runs Load → Rules → Probes → Report end to end and posts progress and the report", async () => {
    // Prepare
    const { notifier, tasks } = setup();
    const workflow = createLocalWorkflow({ tasks });
    // Act
    const report = await workflow.run({ app: "shop", stage: "prod", slack, probes: false });
    // Assess
    expect(report.app).toBe("shop");
    expect(report.stage).toBe("prod");
    expect(report.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(report.skipped).toContainEqual({ rule: "untracked-resources", why: "cloud probes were turned off for this run" });
    const updates = notifier.sent.filter((s) => s.kind === "update" && s.ts === slack.ts).map((s) => s.text);
    expect(updates[0]).toContain("loading…");
    expect(updates.some((t) => /rules done \(\d+ findings?\) · probes…/.test(t))).toBe(true);
    expect(updates.at(-1)).toMatch(/^Diagnosis of shop\/prod: /);
  });

  it("reports a crashed deploy: stale lock (error), pending create (warning: Pulumi accepts the state), errors first", async () => {
    const { tasks, home } = setup({ name: "prod", resources: 120, deploys: 3, interrupted: true });
    const report = await createLocalWorkflow({ tasks }).run({ app: "shop", stage: "prod", probes: false });
    const errors = report.findings.filter((f) => f.severity === "error").map((f) => f.rule);
    const warnings = report.findings.filter((f) => f.severity === "warning").map((f) => f.rule);
    expect(warnings).toContain("pending-operations");
    expect(errors).toContain("stale-lock");
    const order = report.findings.map((f) => ["error", "warning", "info"].indexOf(f.severity));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(report.findings.find((f) => f.rule === "stale-lock")!.message).toContain(home.stages[0]!.lockUpdateId!);
  });

  it("feeds the cloud probes' answers to the probe rules", async () => {
    // Prepare: a KV probe that lost one route, and a tagging probe that sees one stray table
    const home = generateHome({ app: "shop", stages: [{ name: "prod", resources: 200, deploys: 2 }], seed: 9 });
    const current = parseCheckpoint(home.stages[0]!.current);
    const refs = routeEntriesOf(current.resources);
    expect(refs.length).toBeGreaterThan(0);
    const lost = refs[0]!;
    const probes: DiagnosisProbes = {
      routerKv: {
        async listRouteEntries(arn) {
          const routes: Record<string, string[]> = {};
          for (const r of refs) if (r.kvStoreArn === arn && r.urn !== lost.urn) (routes[r.kvKey] ??= []).push(r.entry);
          return { ok: true, value: routes };
        },
      },
      tagged: {
        async listTaggedArns() {
          return { ok: true, value: ["arn:aws:dynamodb:us-east-1:123456789012:table/shop-prod-Stray"] };
        },
      },
    };
    const tasks = createDiagnosisTasks({ store: createMemoryStateStore(home.files, { clock }), clock, probes });
    // Act
    const report = await createLocalWorkflow({ tasks }).run({ app: "shop", stage: "prod" });
    // Assess
    expect(report.findings.filter((f) => f.rule === "router-kv-drift").map((f) => f.urn)).toEqual([lost.urn]);
    expect(report.findings.filter((f) => f.rule === "untracked-resources")).toHaveLength(1);
    expect(report.skipped).toEqual([]);
  });

  it("posts the failure to the channel and fails the execution when a task throws", async () => {
    // Prepare
    const { notifier, tasks } = setup();
    const broken: DiagnosisTasks = { ...tasks, historyRules: async () => { throw new Error("S3 read timed out"); } };
    const workflow = createLocalWorkflow({ tasks: broken });
    // Act
    const run = workflow.run({ app: "shop", stage: "prod", slack, probes: false });
    // Assess
    await expect(run).rejects.toThrow("S3 read timed out");
    const last = notifier.sent.at(-1)!;
    expect(last).toMatchObject({ kind: "update", channel: "C0PROD", ts: slack.ts });
    expect(last.text).toContain("Diagnosis of shop/prod failed");
    expect(last.text).toContain("S3 read timed out");
    expect(notifier.sent.some((s) => s.text.startsWith("Diagnosis of shop/prod:"))).toBe(false);
  });

  it("idle() resolves once every diagnosis started detached has posted its report (serve waits for it when it stops)", async () => {
    // Prepare: two diagnoses whose reads take a while
    const { store: base, notifier } = setup();
    const slow = { ...base, readSstLock: async (a: string, st: string) => (await new Promise((r) => setTimeout(r, 80)), base.readSstLock(a, st)) };
    const workflow = createLocalWorkflow({ tasks: createDiagnosisTasks({ store: slow, notifier, clock }) });
    await workflow.startDiagnosis({ app: "shop", stage: "prod", slack, probes: false });
    await workflow.startDiagnosis({ app: "shop", stage: "prod", slack: { channel: "C0OTHER" }, probes: false });
    const reports = () => notifier.sent.filter((m) => m.text.startsWith("Diagnosis of shop/prod:")).length;
    const before = reports();
    // Act
    await workflow.idle();
    // Assess: nothing was posted when they started; both reports are out once idle
    expect(before).toBe(0);
    expect(reports()).toBe(2);
  });

  it("in one process reads the previous version once, started by Load, with the same report as step by step", async () => {
    // Prepare: the same home twice, one diagnosed in one process (Load starts the read), one as in AWS
    const counted = (oneProcess: boolean) => {
      const { store } = setup();
      const reads: string[] = [];
      const readVersion: typeof store.readVersion = async (app, stage, v) => {
        reads.push(v.id);
        return store.readVersion(app, stage, v);
      };
      const tasks = createDiagnosisTasks({ store: { ...store, readVersion }, clock, oneProcess });
      return { reads, tasks, workflow: createLocalWorkflow({ tasks }) };
    };
    const one = counted(true);
    const apart = counted(false);
    // Act
    await one.tasks.load({ app: "shop", stage: "prod" } as WorkflowState);
    await apart.tasks.load({ app: "shop", stage: "prod" } as WorkflowState);
    const startedByLoad = [one.reads.length, apart.reads.length];
    const [a, b] = [await one.workflow.run({ app: "shop", stage: "prod", probes: false }), await apart.workflow.run({ app: "shop", stage: "prod", probes: false })];
    // Assess: Load started the read in one process only; the run then used it (no second read)
    expect(startedByLoad).toEqual([1, 0]);
    expect(one.reads).toHaveLength(1);
    expect(one.reads).toEqual(apart.reads);
    expect(a.findings).toEqual(b.findings);
    expect(a.findings.length).toBeGreaterThan(0);
  });

  it("in one process, hands the previous version to its indexer before Load parses the current state", async () => {
    // Prepare: an indexer that notes when it has the bytes (read slower than the current state);
    // the progress message after the parse notes the parse
    const { store: base } = setup();
    const store = { ...base, readVersion: async (...a: Parameters<typeof base.readVersion>) => (await new Promise((r) => setTimeout(r, 30)), base.readVersion(...a)) };
    const events: string[] = [];
    const indexVersion: VersionIndexer = async (read, source) => {
      const bytes = await read();
      events.push(`indexer has ${source}`);
      return indexCheckpoint(bytes, source);
    };
    const notifier: Notifier = {
      post: async (channel) => ({ channel, ts: "1.1" }),
      update: async (_c, _t, message) => void (message.text.includes("running the rules") && events.push("current parsed")),
      upload: async () => {},
    };
    const tasks = createDiagnosisTasks({ store, clock, notifier, oneProcess: true, indexVersion });
    const plain = createDiagnosisTasks({ store, clock, oneProcess: true });
    // Act
    const report = await createLocalWorkflow({ tasks }).run({ app: "shop", stage: "prod", slack, probes: false });
    // Assess: the hand-off came first, once, and the report is the one of the default indexer
    expect(events).toHaveLength(2);
    expect(events[0]).toMatch(/^indexer has shop\/prod \(/);
    expect(events[1]).toBe("current parsed");
    const expected = await createLocalWorkflow({ tasks: plain }).run({ app: "shop", stage: "prod", probes: false });
    expect(report.findings).toEqual(expected.findings);
  });

  describe("in one process, a store that reads in pieces", () => {
    /** The memory store with openCurrent: its current bytes (or `serve`'s) through a reader, counted. */
    function piecewise(serve?: (bytes: Uint8Array) => { bytes: Uint8Array; size?: number }) {
      const { store: base } = setup();
      const log = { whole: 0, opened: 0, reads: 0, closed: 0 };
      const store: StateStore = {
        ...base,
        readCurrent: async (app, stage) => (log.whole++, base.readCurrent(app, stage)),
        openCurrent: async (app, stage): Promise<CurrentStateReader> => {
          const cur = await base.readCurrent(app, stage);
          log.opened++;
          const { bytes, size } = serve ? serve(cur.bytes) : { bytes: cur.bytes };
          let at = 0;
          return {
            stamp: cur.stamp ?? cur.token,
            time: cur.time,
            size: size ?? bytes.length,
            read: async (into, offset, length) => {
              log.reads++;
              const n = Math.min(length, bytes.length - at);
              into.set(bytes.subarray(at, at + n), offset);
              at += n;
              return n;
            },
            close: async () => void log.closed++,
          };
        },
      };
      return { base, store, log };
    }
    const run = (store: StateStore) => createLocalWorkflow({ tasks: createDiagnosisTasks({ store, clock, oneProcess: true }) }).run({ app: "shop", stage: "prod", probes: false });

    it("parses the current state as it reads it: never read whole, the reader closed, the report of a whole read", async () => {
      // Prepare
      const { base, store, log } = piecewise();
      // Act
      const report = await run(store);
      // Assess
      expect(log).toMatchObject({ whole: 0, closed: 1 });
      expect(log.reads).toBeGreaterThan(0);
      expect(report.findings).toEqual((await run(base)).findings);
      expect(report.findings.length).toBeGreaterThan(0);
    });

    it("reads the file whole when the scan steps aside or the file changed size while read, and answers or fails as a whole read", async () => {
      // Prepare: a reader that serves a broken file (the store's whole read serves the real one),
      // one whose size changed while read, and a store whose whole read is broken too
      const broken = piecewise((b) => ({ bytes: b.subarray(0, 3000) }));
      const resized = piecewise((b) => ({ bytes: b, size: b.length + 10 }));
      const { store: base } = setup();
      const cut = new TextEncoder().encode('{"version": 3, "checkpoint": {"latest": {"resources": [');
      const both = piecewise(() => ({ bytes: cut }));
      const bad = { ...both.store, readCurrent: async () => ({ ...(await base.readCurrent("shop", "prod")), bytes: cut }) };
      // Act
      const fromBroken = await run(broken.store);
      const fromResized = await run(resized.store);
      const failed = await run(bad).catch((e: unknown) => e);
      // Assess
      const expected = (await run(base)).findings;
      expect(fromBroken.findings).toEqual(expected);
      expect(fromResized.findings).toEqual(expected);
      expect(broken.log).toMatchObject({ whole: 1, closed: 1 });
      expect(resized.log).toMatchObject({ whole: 1, closed: 1 });
      expect((failed as Error).name).toBe("StateParseError");
      const wholeFailed = await run({ ...base, readCurrent: bad.readCurrent }).catch((e: unknown) => e);
      expect((failed as Error).message).toBe((wholeFailed as Error).message);
      expect(both.log.closed).toBe(1);
    });

    it("closes the file it opened when the stage is parsed already or being parsed (two diagnoses of it in one process)", async () => {
      // Prepare: one set of tasks, as `serve` keeps them
      const { store, log } = piecewise();
      const tasks = createDiagnosisTasks({ store, clock, oneProcess: true });
      const load = () => tasks.load({ app: "shop", stage: "prod" } as WorkflowState);
      // Act: two at once (the second finds the first being parsed), then one after another
      await Promise.all([load(), load()]);
      await load();
      await load();
      // Assess: four opened, four closed, the state read once
      expect(log).toMatchObject({ opened: 4, closed: 4, whole: 0 });
    });

    it("closes the reader when Load fails before the parse: with its reads, or after them", async () => {
      // Prepare: a lock read that fails (beside the open), and an S3-like home whose count of old
      // versions fails (awaited after the reads, before the parse)
      const lockFails = piecewise();
      const countFails = piecewise();
      const failingLock = { ...lockFails.store, readSstLock: async () => Promise.reject(new Error("lock read timed out")) };
      const failingCount: StateStore = { ...countFails.store, home: "aws", listObjectVersions: async () => Promise.reject(new Error("listing timed out")) };
      // Act
      const failed = await run(failingLock).catch((e: unknown) => e);
      const failedCount = await run(failingCount).catch((e: unknown) => e);
      // Assess
      expect((failed as Error).message).toContain("lock read timed out");
      expect(lockFails.log).toMatchObject({ closed: 1, reads: 0 });
      expect((failedCount as Error).message).toContain("listing timed out");
      expect(countFails.log).toMatchObject({ closed: 1, reads: 0 });
    });
  });

  it("in one process, a previous version that cannot be read fails the diagnosis with its error, as step by step", async () => {
    // Prepare
    const { store } = setup();
    const readVersion: typeof store.readVersion = async () => {
      throw new Error("snapshot read timed out");
    };
    const tasks = createDiagnosisTasks({ store: { ...store, readVersion }, clock, oneProcess: true });
    // Act
    const run = createLocalWorkflow({ tasks }).run({ app: "shop", stage: "prod", probes: false });
    // Assess: the history step reports it (read again there: a failed read is not kept)
    await expect(run).rejects.toThrow("snapshot read timed out");
  });

  it("a stage that does not exist fails in Load with the hint posted as a new message", async () => {
    const { notifier, tasks } = setup();
    const run = createLocalWorkflow({ tasks }).run({ app: "shop", stage: "nope", slack: { channel: "C0X" }, probes: false });
    await expect(run).rejects.toBeInstanceOf(StageNotFoundError);
    const posted = notifier.sent.filter((s) => s.kind === "post");
    expect(posted).toHaveLength(1);
    expect(posted[0]!.text).toContain('Stage "nope"');
    expect(posted[0]!.text).toContain("Stages of shop: prod");
  });

  it("does not start the same Slack request twice", async () => {
    const { notifier, tasks } = setup();
    const workflow = createLocalWorkflow({ tasks, rememberMs: 5_000 });
    const first = await workflow.startDiagnosis({ app: "shop", stage: "prod", slack, probes: false });
    const second = await workflow.startDiagnosis({ app: "shop", stage: "prod", slack, probes: false });
    expect(first.alreadyRunning).toBe(false);
    expect(second).toEqual({ executionId: first.executionId, alreadyRunning: true });
    const report = await workflow.wait(first.executionId);
    expect(report.stage).toBe("prod");
    expect(notifier.sent.filter((s) => s.text.startsWith("Diagnosis of shop/prod:"))).toHaveLength(1);
  });

  it("keeps every payload between states far below 256 KB, even with thousands of findings", async () => {
    // Prepare: a big stage whose components are all gone (every child has a dangling parent)
    const home = generateHome({ app: "shop", stages: [{ name: "prod", resources: 5_000, deploys: 2 }], seed: 3 });
    const store = createMemoryStateStore(home.files, { clock });
    const text = home.stages[0]!.current;
    const json = JSON.parse(text) as { checkpoint: { latest: { resources: { type: string }[] } } };
    json.checkpoint.latest.resources = json.checkpoint.latest.resources.filter((r) => !r.type.startsWith("sst:aws:"));
    store.put("app/shop/prod.json", JSON.stringify(json));
    const tasks = createDiagnosisTasks({ store, clock });
    const sizes: Record<string, number> = {};
    const measured = Object.fromEntries(
      Object.entries(tasks).map(([name, fn]) => [
        name,
        async (s: WorkflowState) => {
          sizes[`${name}:in`] = JSON.stringify(s).length;
          const out = await (fn as (s: WorkflowState) => Promise<unknown>)(s);
          sizes[`${name}:out`] = JSON.stringify(out).length;
          return out;
        },
      ]),
    ) as unknown as DiagnosisTasks;
    // Act
    const report = await createLocalWorkflow({ tasks: measured }).run({ app: "shop", stage: "prod", probes: false });
    // Assess
    expect(report.findings.find((f) => f.rule === "dangling-parent" && f.message.includes("more dangling-parent findings"))).toBeDefined();
    expect(Object.keys(sizes)).toContain("report:in");
    for (const [k, n] of Object.entries(sizes)) expect(n, k).toBeLessThan(256 * 1024);
  });
});

describe("queueDiagnosis (the Slack verb's half in core)", () => {
  it("posts a queued message, runs the workflow on it, and a retried request is not run twice", async () => {
    // Prepare
    const { notifier, tasks } = setup();
    const workflow = createLocalWorkflow({ tasks, rememberMs: 5_000 });
    const { queueDiagnosis } = await import("@sst-state/core/diagnosis");
    const req = { app: "shop", stage: "prod", channel: "C0PROD", user: "U0ALICE", requestId: "T1-1700000000.5", probes: false };
    // Act
    const first = await queueDiagnosis({ workflow, notifier }, req);
    const retry = await queueDiagnosis({ workflow, notifier }, req);
    const report = await workflow.wait(first.executionId);
    // Assess
    expect(first.alreadyRunning).toBe(false);
    expect(retry.alreadyRunning).toBe(true);
    expect(notifier.sent[0]).toMatchObject({ kind: "post", channel: "C0PROD" });
    expect(notifier.sent[0]!.text).toContain("queued");
    const onFirst = notifier.sent.filter((s) => s.kind === "update" && s.ts === first.ts).map((s) => s.text);
    expect(onFirst.at(-1)).toMatch(/^Diagnosis of shop\/prod: /);
    expect(report.stage).toBe("prod");
    expect(notifier.sent.filter((s) => s.ts === retry.ts).at(-1)!.text).toContain("already running");
  });
});
