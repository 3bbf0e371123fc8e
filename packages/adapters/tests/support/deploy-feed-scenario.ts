/**
 * The deploy feed end to end on one home (local folder or S3 bucket): deploys simulated object by
 * object as SST writes them (deploy-sim.ts), the feed polling through the home's watcher, events
 * claimed in DynamoDB Local, and messages sent by the real Slack notifier to the local Slack Web
 * API the tests use (which refuses what Slack would refuse). Each test counts every Web API call.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseConfig } from "@sst-state/core/config";
import type { DeployWatchSource } from "@sst-state/core/feed";
import type { StateStore } from "@sst-state/core/ports";
import { stateKeys } from "@sst-state/core/state/versions";
import { createSlackDeployFeed } from "@sst-state/slack/deploy-feed";
import { createSlackNotifier, createWebClient } from "@sst-state/adapters/slack-web-api";
import { fitChatMessage } from "@sst-state/slack/render/limits";
import { startFakeSlackApi, type FakeSlackApi, type RecordedCall } from "@sst-state/test-kit/slack/fake-slack-api";
import { dynamoCredentials } from "../../../../scripts/services/dynamodb-local.ts";
import { createDynamoClient } from "../../dynamodb-client.ts";
import { createDynamoFeedStore } from "../../dynamodb-feed-store.ts";
import { ensureTable } from "../../dynamo-table.ts";
import { abandonDeploy, endDeploy, evolve, rfc3339, saveState, startDeploy, type SimHome } from "@sst-state/test-kit/deploy-sim";
import { makeUpdateId } from "@sst-state/core/state/update-id";
import { createMemoryFeedStore } from "@sst-state/test-kit/memory/feed-store";

export interface FeedTestHome {
  home: SimHome;
  stateStore: StateStore;
  source: DeployWatchSource;
  /** removes a stuck deploy's lock as `sst unlock --stage <stage>` does */
  sstUnlock(stage: string): Promise<void>;
}

export const FEED_APP = "shop";
const TOKEN = "xoxb-feed-test";
const MIN = 60_000;

/** The Web API calls that post or change messages, since `mark`. */
export function messageCalls(slack: FakeSlackApi, mark: number): RecordedCall[] {
  return slack.calls.slice(mark).filter((c) => c.method.startsWith("chat.") || c.method.startsWith("files."));
}

/**
 * A deploy feed for one-off tests outside the scenario: over `stateStore` and `source`, with a
 * memory feed store, posting through a fresh fake Slack Web API; `channels` names the stages whose
 * feed is on and their channels. Close `slack` after the test.
 */
export async function feedWithFakeSlack(parts: { token: string; stateStore: StateStore; source: DeployWatchSource; channels: Record<string, string> }) {
  const slack = await startFakeSlackApi({ token: parts.token });
  const feed = createSlackDeployFeed({
    source: parts.source,
    feedStore: createMemoryFeedStore(),
    stateStore: parts.stateStore,
    notifier: createSlackNotifier(createWebClient(parts.token, slack.url), fitChatMessage),
    config: parseConfig(JSON.stringify({ app: FEED_APP, stages: Object.fromEntries(Object.entries(parts.channels).map(([stage, channel]) => [stage, { channel, feed: true }])) })),
    clock: { now: () => Date.now() },
    log: () => {},
  });
  return { slack, feed };
}

/** `n` completed update records of FEED_APP's `stage`, one an hour from `base`, as SST writes them (key and body). */
export function pastUpdateRecords(stage: string, n: number, base: number): { key: string; body: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const at = base + i * 3_600_000;
    const id = makeUpdateId(at);
    return { key: stateKeys.update(FEED_APP, stage, id), body: JSON.stringify({ id, version: "4.17.1", command: "deploy", errors: null, timeStarted: rfc3339(at), timeCompleted: rfc3339(at + 60_000) }) };
  });
}

/** The current state object of FEED_APP's `stage` with no resources (key and body). */
export function emptyStateObject(stage: string): { key: string; body: string } {
  return { key: stateKeys.app(FEED_APP, stage), body: JSON.stringify({ version: 3, checkpoint: { stack: `organization/${FEED_APP}/${stage}`, latest: { resources: [] } } }) };
}

/** Since the start, Slack got exactly one message: `deploy of prod finished in <n>s`, naming update `id`. */
export function expectOneFinishedDeployPosted(slack: FakeSlackApi, id: string): void {
  const posted = messageCalls(slack, 0);
  expect(posted.map((c) => c.method)).toEqual(["chat.postMessage"]);
  expect(String(posted[0]!.args.text)).toMatch(/^deploy of prod finished in \ds$/);
  expect(JSON.stringify(posted[0]!.args.blocks)).toContain(id);
}

const buttons = (c: RecordedCall) =>
  ((c.args.blocks ?? []) as { type: string; elements?: { action_id?: string; value?: string }[] }[])
    .filter((b) => b.type === "actions")
    .flatMap((b) => b.elements ?? [])
    .map((e) => `${e.action_id}=${e.value}`);

/**
 * Registers the scenario's tests. `prepare` builds the home holding FEED_APP's stages `prod` (feed
 * on, stuck after 10 min), `staging` (feed on) and `dev` (feed off), each with past deploys.
 */
export function deployFeedScenario(label: string, prepare: () => Promise<FeedTestHome>): void {
  describe(`deploy feed on ${label}`, () => {
    let t: FeedTestHome;
    let slack: FakeSlackApi;
    let now = Date.now();
    const clock = { now: () => now };
    const tableName = `feed-${randomBytes(4).toString("hex")}`;
    const ddb = createDynamoClient({ endpoint: inject("dynamoEndpoint"), env: {}, region: "us-east-1", credentials: dynamoCredentials });
    const config = parseConfig(
      JSON.stringify({ app: FEED_APP, stages: { prod: { channel: "C0PROD", feed: true, feedStuckAfter: "10m" }, staging: { channel: "C0STAGING", feed: true }, dev: { channel: "C0DEV" } } }),
    );
    const newFeed = (table = tableName) =>
      createSlackDeployFeed({
        source: t.source,
        feedStore: createDynamoFeedStore({ client: ddb, tableName: table }),
        stateStore: t.stateStore,
        notifier: createSlackNotifier(createWebClient(TOKEN, slack.url, { retryConfig: { retries: 0 } }), fitChatMessage),
        config,
        clock,
        log: () => {},
      });
    let feed: ReturnType<typeof newFeed>;
    /** a feed turned on now: its own table, so every stage's first poll is still to come */
    const feedTurnedOnNow = async () => {
      const table = `feed-${randomBytes(4).toString("hex")}`;
      await ensureTable(ddb, table);
      return newFeed(table);
    };
    const current = async (stage: string) => (await t.home.read(stateKeys.app(FEED_APP, stage)))!;
    /** The clock moves on by `byMs` (past prod's threshold), two polls, then someone runs `sst unlock` and one more poll. */
    const passThresholdThenUnlock = async (f: ReturnType<typeof newFeed>, byMs: number) => {
      now += byMs;
      await f.pollAll();
      await f.pollAll();
      await t.sstUnlock("prod");
      await f.pollAll();
    };
    /**
     * Since `mark`, prod's deploy `id` got one message edited twice in place: stuck, with Unlock SST
     * and Diagnose, then failed as force-unlocked. Returns the three calls.
     */
    const expectStuckThenUnlocked = (mark: number, id: string): [RecordedCall, RecordedCall, RecordedCall] => {
      const calls = messageCalls(slack, mark);
      expect(calls.map((c) => c.method)).toEqual(["chat.postMessage", "chat.update", "chat.update"]);
      const [first, stuck, unlocked] = calls as [RecordedCall, RecordedCall, RecordedCall];
      expect(stuck.args.ts).toBe(first.result!.ts);
      expect(buttons(stuck)).toEqual([`deploy_feed_sst_unlock=${FEED_APP}/prod/${id}`, `deploy_feed_diagnose=${FEED_APP}/prod`]);
      expect(unlocked.args.ts).toBe(first.result!.ts);
      expect(String(unlocked.args.text)).toMatch(/^deploy of prod failed after .+: Update did not complete and was force unlocked with the `sst unlock` command$/);
      return [first, stuck, unlocked];
    };

    beforeAll(async () => {
      t = await prepare();
      slack = await startFakeSlackApi({ token: TOKEN });
      await ensureTable(ddb, tableName);
      feed = newFeed();
    });
    afterAll(async () => {
      await slack?.close();
      ddb.destroy();
    });

    it("watches the stages whose policy turns the feed on, and posts nothing for their past deploys", async () => {
      // Act
      const watched = await feed.watched();
      const results = await feed.pollAll();
      const again = await feed.pollAll();
      // Assess
      expect(watched.map((w) => w.stage)).toEqual(["prod", "staging"]);
      expect(results).toEqual([
        { app: FEED_APP, stage: "prod", baseline: true },
        { app: FEED_APP, stage: "staging", baseline: true },
      ]);
      expect(again.every((r) => "posted" in r && (r.posted ?? []).length === 0)).toBe(true);
      expect(messageCalls(slack, 0)).toEqual([]);
    });

    it("a deploy that finishes: one message, started, then edited in place to finished with its diff; the full diff in the thread", async () => {
      // Prepare
      const before = await current("prod");
      const mark = slack.calls.length;
      now = Date.now();
      // Act 1: SST takes its lock and writes the record
      const d = await startDeploy(t.home, FEED_APP, "prod", { at: now, runId: "ci-run-17" });
      await feed.pollAll();
      // Act 2: it saves the state as it goes
      await saveState(t.home, d, evolve(before, { add: 1, remove: 0, change: 1, tag: "mid" }));
      await feed.pollAll();
      // Act 3: it ends 2m 10s after it started
      await endDeploy(t.home, d, { at: d.startedMs + 130_000, checkpoint: evolve(before, { add: 3, remove: 1, change: 5, tag: "v2" }) });
      await feed.pollAll();
      await feed.pollAll();
      // Assess
      const calls = messageCalls(slack, mark);
      expect(calls.map((c) => c.method)).toEqual(["chat.postMessage", "chat.update", "chat.postMessage"]);
      const [started, finished, thread] = calls as [RecordedCall, RecordedCall, RecordedCall];
      expect(started.args.channel).toBe("C0PROD");
      expect(started.args.text).toBe(`deploy of prod started (update ${d.id}, command deploy)`);
      expect(JSON.stringify(started.args.blocks)).toContain("ci-run-17");
      expect(finished.args.ts).toBe(started.result!.ts);
      expect(finished.args.text).toBe("deploy of prod finished in 2m 10s: 3 added, 1 removed, 5 changed");
      expect(JSON.stringify(finished.args.blocks)).toContain("full diff in the thread");
      expect(thread.args.thread_ts).toBe(started.result!.ts);
      expect(String(thread.args.text)).toContain("3 added, 1 removed, 5 changed");
      expect(JSON.stringify(thread.args.blocks)).toContain("feedTestTag");
      expect(slack.violations).toEqual([]);
    });

    it("a deploy that fails: the message says failed with SST's error and carries the Diagnose button", async () => {
      // Prepare
      const mark = slack.calls.length;
      now = Date.now();
      const d = await startDeploy(t.home, FEED_APP, "prod", { at: now });
      await feed.pollAll();
      const error = { urn: `urn:pulumi:prod::${FEED_APP}::aws:cloudwatch/logGroup:LogGroup::ApiLogs`, message: "creating CloudWatch Logs Log Group (/aws/lambda/api): ResourceAlreadyExistsException: <!channel> The specified log group already exists" };
      // Act
      await endDeploy(t.home, d, { at: d.startedMs + 45_000, errors: [error] });
      await feed.pollAll();
      await feed.pollAll();
      // Assess
      const calls = messageCalls(slack, mark);
      expect(calls.map((c) => c.method)).toEqual(["chat.postMessage", "chat.update"]);
      const failed = calls[1]!;
      expect(failed.args.ts).toBe(calls[0]!.result!.ts);
      expect(String(failed.args.text)).toMatch(/^deploy of prod failed after 45s: creating CloudWatch Logs Log Group/);
      expect(JSON.stringify(failed.args)).not.toContain("<!channel>");
      expect(JSON.stringify(failed.args.blocks)).toContain("&lt;!channel&gt;");
      expect(buttons(failed)).toEqual([`deploy_feed_diagnose=${FEED_APP}/prod`]);
    });

    it("a deploy that starts and ends between two polls is posted once, already finished", async () => {
      // Prepare
      const before = await current("staging");
      const mark = slack.calls.length;
      now = Date.now();
      // Act
      const d = await startDeploy(t.home, FEED_APP, "staging", { at: now, command: "refresh" });
      await endDeploy(t.home, d, { at: d.startedMs + 5_000, checkpoint: before });
      await feed.pollAll();
      await feed.pollAll();
      // Assess
      const calls = messageCalls(slack, mark);
      expect(calls.map((c) => c.method)).toEqual(["chat.postMessage"]);
      expect(calls[0]!.args.channel).toBe("C0STAGING");
      expect(calls[0]!.args.text).toBe("refresh of staging finished in 5s: 0 added, 0 removed, 0 changed");
    });

    it("a deploy that never completes: 'looks stuck' past the stage's threshold, with Unlock SST and Diagnose; unlocked, it ends as failed", async () => {
      // Prepare
      const mark = slack.calls.length;
      now = Date.now();
      const d = await startDeploy(t.home, FEED_APP, "prod", { at: now });
      await feed.pollAll();
      // Act 1: nine minutes without progress: still running
      now += 9 * MIN;
      await feed.pollAll();
      // Act 2: eleven minutes: past prod's 10 min; then someone runs `sst unlock`
      await passThresholdThenUnlock(feed, 2 * MIN);
      // Assess
      const [, stuck] = expectStuckThenUnlocked(mark, d.id);
      expect(String(stuck.args.text)).toBe("prod's deploy looks stuck: SST's lock has seen no progress for 11 min");
      expect(JSON.stringify(stuck.args.blocks)).toContain("What to check");
    });

    it("a deploy whose build fails (SST's lock gone, the record never completed) ends as failed", async () => {
      // Prepare
      const mark = slack.calls.length;
      now = Date.now();
      const d = await startDeploy(t.home, FEED_APP, "prod", { at: now });
      await feed.pollAll();
      // Act
      await abandonDeploy(t.home, d);
      await feed.pollAll();
      await feed.pollAll();
      // Assess
      const calls = messageCalls(slack, mark);
      expect(calls.map((c) => c.method)).toEqual(["chat.postMessage", "chat.update"]);
      expect(String(calls[1]!.args.text)).toBe("deploy of prod failed: it ended without recording its end (SST's lock is gone, the update record has no completion time): most often the build failed before anything was deployed");
    });

    it("a stage without the feed is not watched", async () => {
      // Prepare
      const mark = slack.calls.length;
      now = Date.now();
      // Act
      const d = await startDeploy(t.home, FEED_APP, "dev", { at: now });
      await feed.pollAll();
      await endDeploy(t.home, d, { at: now + 1_000 });
      await feed.pollAll();
      // Assess
      expect(messageCalls(slack, mark)).toEqual([]);
    });

    it("a restarted feed on the same table posts nothing that was posted, and goes on with the next deploy", async () => {
      // Prepare: a deploy under way when the old poller stops
      now = Date.now();
      const d = await startDeploy(t.home, FEED_APP, "prod", { at: now });
      await feed.pollAll();
      const mark = slack.calls.length;
      // Act: a new feed (a restarted serve, the next Lambda run)
      const restarted = newFeed();
      await restarted.pollAll();
      await restarted.pollAll();
      const quiet = messageCalls(slack, mark);
      await endDeploy(t.home, d, { at: now + 20_000 });
      await restarted.pollAll();
      // Assess
      expect(quiet).toEqual([]);
      const calls = messageCalls(slack, mark);
      expect(calls.map((c) => c.method)).toEqual(["chat.update"]);
      expect(calls[0]!.args.text).toBe("deploy of prod finished in 20s");
    });

    it("two pollers at once (a Lambda run and serve on the same table) post each change once", async () => {
      // Prepare
      const a = newFeed();
      const b = newFeed();
      const mark = slack.calls.length;
      now = Date.now();
      // Act
      const d = await startDeploy(t.home, FEED_APP, "prod", { at: now });
      await Promise.all([a.pollAll(), b.pollAll(), a.pollAll(), b.pollAll()]);
      await endDeploy(t.home, d, { at: now + 3_000 });
      await Promise.all([a.pollAll(), b.pollAll(), a.pollAll(), b.pollAll()]);
      // Assess
      expect(messageCalls(slack, mark).map((c) => c.method)).toEqual(["chat.postMessage", "chat.update"]);
    });

    it("a deploy already running when the feed is turned on: posted 'in progress', then finished in place with its diff; no past update is posted", async () => {
      // Prepare: prod's deploy started 8 min ago and saves its state as it goes; the home has past
      // updates. (The clock runs 9 min ahead so that this deploy is newer than the earlier tests'.)
      const before = await current("prod");
      now = Date.now() + 9 * MIN;
      const d = await startDeploy(t.home, FEED_APP, "prod", { at: now - 8 * MIN, runId: "ci-run-41" });
      await saveState(t.home, d, evolve(before, { add: 1, remove: 0, change: 0, tag: "mid" }));
      const fresh = await feedTurnedOnNow();
      const mark = slack.calls.length;
      // Act 1: the feed's first look at the home
      const first = await fresh.pollAll();
      await fresh.pollAll();
      // Act 2: the deploy ends
      await endDeploy(t.home, d, { at: now + MIN, checkpoint: evolve(before, { add: 2, remove: 0, change: 1, tag: "v3" }) });
      now += 2 * MIN;
      await fresh.pollAll();
      await fresh.pollAll();
      // Assess
      expect(first.map((r) => [r.stage, "baseline" in r && r.baseline, "posted" in r ? r.posted?.length : undefined])).toEqual([
        ["prod", true, 1],
        ["staging", true, undefined],
      ]);
      const calls = messageCalls(slack, mark);
      expect(calls.map((c) => c.method)).toEqual(["chat.postMessage", "chat.update", "chat.postMessage"]);
      const [running, finished, thread] = calls as [RecordedCall, RecordedCall, RecordedCall];
      expect(running.args.channel).toBe("C0PROD");
      expect(running.args.text).toBe(`deploy of prod in progress (started 8 min ago, update ${d.id}, command deploy)`);
      expect(JSON.stringify(running.args.blocks)).toContain("ci-run-41");
      expect(finished.args.ts).toBe(running.result!.ts);
      expect(finished.args.text).toBe("deploy of prod finished in 9m: 2 added, 0 removed, 1 changed");
      expect(thread.args.thread_ts).toBe(running.result!.ts);
      expect(slack.violations).toEqual([]);
    });

    it("a deploy already running when the feed is turned on is followed to 'looks stuck', and once unlocked to failed", async () => {
      // Prepare: a deploy of prod that started 2 min ago (the clock runs ahead of the earlier tests')
      now = Date.now() + 20 * MIN;
      const d = await startDeploy(t.home, FEED_APP, "prod", { at: now - 2 * MIN });
      const fresh = await feedTurnedOnNow();
      const mark = slack.calls.length;
      // Act 1: the first look: in progress
      await fresh.pollAll();
      // Act 2: 11 min later, no progress for 13 min since SST took its lock (prod's threshold is 10);
      // then someone runs `sst unlock`
      await passThresholdThenUnlock(fresh, 11 * MIN);
      // Assess
      const [running, stuck] = expectStuckThenUnlocked(mark, d.id);
      expect(running.args.text).toBe(`deploy of prod in progress (started 2 min ago, update ${d.id}, command deploy)`);
      expect(String(stuck.args.text)).toMatch(/^prod's deploy looks stuck: SST's lock has seen no progress for 13 min$/);
    });
  });
}
