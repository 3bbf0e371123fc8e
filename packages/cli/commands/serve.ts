/**
 * `sst-state serve`: the whole bot on one machine (DESIGN §3 "One machine, embedded defaults"):
 * state from the SST local home (or AWS when configured; a generated demo home when there is
 * neither), locks/approvals/audit in the embedded store under .sst-state/db (or SST_STATE_TABLE),
 * the Slack app over HTTP on PORT (`POST /slack/events`) or Socket Mode with SLACK_APP_TOKEN.
 */
import { UsageError } from "@sst-state/core/errors";
import { createLocalHomeStore } from "@sst-state/adapters/local-home";
import { startLockAnnouncements } from "@sst-state/adapters/lock-announcements";
import { startServe } from "@sst-state/slack/receivers/serve";
import { hostname } from "node:os";
import { recoverInterruptedRestores } from "./restore.ts";
import { createDeployWatch } from "@sst-state/adapters/deploy-watch";
import { createSlackDeployFeed } from "@sst-state/slack/deploy-feed";
import { DEFAULT_FEED_INTERVAL_MS, startDeployFeedLoop, type DeployFeedLoop } from "@sst-state/core/feed";
import { DEFAULT_STOP_GRACE, timerEnvMs } from "@sst-state/core/format";
import { renderDiagnosisReportBlocks } from "@sst-state/slack/render/repair";
import type { CliCommand } from "../cli-types.ts";
import { parseConfig } from "@sst-state/core/config";
import { readFileSync } from "node:fs";
import { DEMO_APP, demoPolicyPath, pickEmbeddedHome } from "../demo.ts";
import { describePortOwner } from "../port-owner.ts";
import { showDemo } from "./demo.ts";
import { createDiagnosisTasks } from "@sst-state/core/diagnosis";
import { createAwsProbes } from "@sst-state/adapters/probes/index";
import { createLocalWorkflow } from "@sst-state/adapters/workflow-local";
import { isLocalBotToken, playgroundChannels, playgroundOffPage, startPlayground } from "@sst-state/slack/playground/server";

/** A stop signal this soon after the first is the same Ctrl-C delivered twice (listenForStop). */
const REPEAT_MS = 1000;

const serve: CliCommand<"serve"> = {
  verb: "serve",
  async run(args, ctx) {
    const env = ctx.env;
    const portText = typeof args.flags.port === "string" ? args.flags.port : env.PORT ?? "3000";
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${portText}".`);
    // how long a stop waits for what is running (read now: a bad value fails the start, not the stop)
    const grace = env.SST_STATE_STOP_GRACE || DEFAULT_STOP_GRACE;
    const graceMs = timerEnvMs(env, "SST_STATE_STOP_GRACE", { fallback: DEFAULT_STOP_GRACE, minMs: 1, shape: "from 1ms to 24d" });
    // ... and how often the deploy feed polls, if it runs (0 would poll without a pause)
    const feedIntervalMs = timerEnvMs(env, "SST_STATE_FEED_INTERVAL", { fallback: `${DEFAULT_FEED_INTERVAL_MS}ms`, minMs: 1, shape: "from 1ms to 24d" });

    // Where state comes from: flags/env as for every command; with none, the local home or the demo.
    let store = undefined as Awaited<ReturnType<typeof ctx.services.stateStore>> | undefined;
    let demoConfig: ReturnType<typeof ctx.services.config> | undefined;
    if (!args.flags["state-dir"] && !args.flags.home && !env.SST_STATE_DIR && !env.SST_STATE_HOME) {
      const picked = await pickEmbeddedHome(env, ctx.services.project.root);
      if (picked.demo) {
        // the demo's policy (its channel and two users) unless the project has its own
        if (!ctx.services.config().source && !env.SST_STATE_CONFIG) {
          const file = demoPolicyPath(ctx.services.project.root);
          demoConfig = parseConfig(readFileSync(file, "utf8"), file);
        }
        ctx.io.out(`No SST home with state on this machine: using a generated demo home in ${picked.root} (app ${DEMO_APP}).\n`);
        await showDemo(ctx, picked.root);
        ctx.io.out("");
        store = createLocalHomeStore({ root: picked.root });
      } else if (picked.root) {
        store = createLocalHomeStore({ root: picked.root });
      }
    }
    store ??= await ctx.services.stateStore();
    const config = demoConfig ?? ctx.services.config();
    const table = await ctx.services.table();

    // No Slack credentials: a local Slack stands in for the workspace (packages/slack/playground):
    // the page at / signs each command and click and posts it to /slack/events, and the bot's Web
    // API calls land on a local Slack Web API that the page reads. With real credentials it is off.
    const local =
      !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN && !env.SLACK_API_URL && isLocalBotToken(env.SLACK_BOT_TOKEN)
        ? await startPlayground({ channels: playgroundChannels(config.channels()) })
        : undefined;
    const slackApiUrl = local?.slackApiUrl ?? env.SLACK_API_URL;
    const botToken = local?.botToken ?? env.SLACK_BOT_TOKEN;
    const signingSecret = local?.signingSecret ?? env.SLACK_SIGNING_SECRET;
    ctx.services.useSlack({ token: botToken, apiUrl: slackApiUrl });
    const notifier = await ctx.services.notifier();
    // Diagnoses run the deployed state-machine definition in-process (aws-local-stepfunctions).
    const workflow = createLocalWorkflow({
      tasks: createDiagnosisTasks({ store, notifier, clock: ctx.services.clock, probes: createAwsProbes({ env }), reportMessage: renderDiagnosisReportBlocks, oneProcess: true, indexVersion: ctx.services.indexVersion }),
    });
    // ONE restore service for this process: the bot's restore verbs and buttons run on it
    // (approvals run in-process here, recorded with this process as their runner), and it closes
    // the restores a killed process left `approved` (below).
    const restoreService = await ctx.services.restoreService({ store, config, notifier, runner: { host: hostname(), pid: process.pid } });
    // the bot's deps from the composition root: locks, Slack delivery claims (in the table, so a
    // replay after a restart of serve is still recognised), restore with its buttons, diagnose
    // through the local workflow
    const deps = await ctx.services.botDeps({ workflow, restoreService }, { store, config });

    // serve outlives every request: anything that escapes a handler's own boundary is logged, and
    // the process keeps answering (lock announcements depend on it).
    const keepServing = (e: unknown) => ctx.services.log.error("unhandled error in serve", { error: String(e) });
    process.on("unhandledRejection", keepServing);
    process.on("uncaughtException", keepServing);

    const handle = await startServe({
      port,
      ...(typeof args.flags.host === "string" ? { host: args.flags.host } : {}),
      deps,
      ...(signingSecret ? { signingSecret } : {}),
      ...(botToken ? { botToken } : {}),
      ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
      ...(slackApiUrl ? { slackApiUrl } : {}),
      ...(local ? { botId: "B0BOT", botUserId: "U0BOT" } : {}),
      page: local ? local.handle : playgroundOffPage,
      print: (line) => ctx.io.out(line),
    }).catch(async (e: unknown) => {
      // the local Slack (listening on a port of its own) must not keep a failed serve alive
      await local?.close();
      if ((e as { code?: string }).code !== "EADDRINUSE") throw e;
      const owner = describePortOwner(port);
      const next = port === 65535 ? 3001 : port + 1;
      throw new UsageError(
        `Port ${port} is already in use${owner ? ` by ${owner}` : ""}, so serve cannot listen on it.`,
        `Stop that process, or pick another port: PORT=${next} sst-state serve (or --port ${next}).`,
      );
    });
    local?.setEventsUrl(`${handle.url}/slack/events`);
    // Restores a killed process left `approved` are finished or closed (and audited) now, and
    // every minute after (a run whose lease expires later; service.recoverInterrupted).
    await recoverInterruptedRestores(ctx, restoreService);
    setInterval(() => void recoverInterruptedRestores(ctx, restoreService), 60_000).unref();
    // The embedded store has no stream: a feed polls the lock items and announces every change,
    // whoever made it (Slack, or the CLI through this process's store). A real table's stream
    // Lambda announces in AWS, so nothing runs here for it.
    // what the background loops report goes to the services' logger, as the lock announcer's does
    // (its controls escaped, cli/services.ts), not straight to console.warn
    const warn = (what: string) => (e: unknown) => ctx.services.log.warn(what, { error: (e as Error)?.message ?? String(e) });
    const announcements = await startLockAnnouncements({ table, announcer: (await ctx.services.lockAnnouncer({ notifier, config }))!, onError: warn("lock announcements") });
    // The deploy feed (stages with "feed": true): serve watches its home as the scheduled function
    // watches the bucket in AWS, through the same core logic; events are claimed in the same table,
    // so a restart (or a Lambda on the same table) never posts one twice.
    let feedLoop: DeployFeedLoop | undefined;
    const feedStages = config.feedStages();
    if (feedStages.all || feedStages.named.length) {
      if (store.home === "git") {
        ctx.io.out("deploy feed: off (a git home's deploys are its commits; the feed watches SST's local home or its bucket)");
      } else {
        const feed = createSlackDeployFeed({
          source: createDeployWatch(store),
          feedStore: await ctx.services.feedStore(),
          stateStore: store,
          notifier,
          config,
          clock: ctx.services.clock,
          log: (message, detail) => ctx.services.log.warn(message, detail),
        });
        feedLoop = startDeployFeedLoop(feed, { intervalMs: feedIntervalMs, onError: warn("deploy feed") });
        ctx.io.out(`deploy feed: watching ${feedStages.all ? "every stage" : feedStages.named.join(", ")} of ${store.location} every ${feedIntervalMs / 1000} s`);
      }
    }
    ctx.io.out(`state: ${store.location}; locks, approvals and audit: ${table.where}`);
    if (local) {
      ctx.io.out(`No Slack credentials: a local Slack stands in for the workspace. Open ${handle.url.replace("127.0.0.1", "localhost")}/ to talk to the bot`);
      ctx.io.out(`(to connect a real workspace, set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN: README, "Setting up the Slack app").`);
    }
    // listening for the stop before saying so: a process that signals as soon as it reads the line
    // below must not meet the default action (an exit with no stop)
    const signals = listenForStop();
    if (handle.mode !== "socket") ctx.io.out(`health: ${handle.url}/healthz   Ctrl-C stops.`);

    // A graceful stop, bounded: the HTTP server stops taking requests while the lock
    // announcements and the deploy feed finish their poll, then what is running finishes (jobs
    // handed off by requests, diagnoses started from Slack, which post their reports; the CLI exits
    // as soon as this returns). A Slack that does not answer would hold that for the Web API
    // client's retries (about 30 minutes), so after the grace period, or a second Ctrl-C, serve
    // stops anyway and says what it left. What is cut short is cut as by a kill: no state version
    // is half-written (each is written whole, then renamed or PUT), and a restore left `approved` is
    // finished or closed by the next serve (recoverInterruptedRestores).
    async function stop(again: Promise<NodeJS.Signals>): Promise<number> {
      const busy = handle.pending() + workflow.running();
      ctx.io.out(busy ? `stopping… (${busy} still running: waiting up to ${grace}; Ctrl-C again stops at once)` : "stopping…");
      // an open local Slack page holds an event stream on the server: end it, or the server never
      // closes (the page's Web API stays up: jobs still post to it)
      local?.endStreams();
      const done = { requests: false, announcements: false, feed: false };
      // a step that fails is logged and counts as done: the others still get their time
      const settle = (what: string, step: Promise<void> | undefined, mark: () => void) =>
        (step ?? Promise.resolve()).catch(warn(`stopping ${what}`)).then(mark);
      const finished = Promise.all([
        settle("the Slack app", handle.close(), () => (done.requests = true)),
        settle("the lock announcements", announcements.stop(), () => (done.announcements = true)),
        settle("the deploy feed", feedLoop?.stop(), () => (done.feed = true)),
      ]).then(() => workflow.idle());
      let timer: NodeJS.Timeout | undefined;
      const cut = await Promise.race([
        finished.then(() => undefined),
        new Promise<{ by: "grace" }>((resolve) => (timer = setTimeout(() => resolve({ by: "grace" }), graceMs))),
        again.then((signal) => ({ by: "signal" as const, signal })),
      ]);
      clearTimeout(timer);
      await local?.close();
      if (cut === undefined) return 0;
      const jobs = handle.pending();
      const diagnoses = workflow.running();
      const left = [
        jobs ? `${jobs} Slack ${jobs === 1 ? "request" : "requests"}` : !done.requests && "a Slack request",
        diagnoses && `${diagnoses} ${diagnoses === 1 ? "diagnosis" : "diagnoses"}`,
        !done.announcements && "a lock announcement",
        !done.feed && "a deploy feed post",
      ].filter(Boolean);
      ctx.io.err(
        // (whether Slack is reachable is worth asking only when the time ran out against the real one)
        `sst-state serve: stopped ${cut.by === "grace" ? `after ${grace}` : `on a second ${cut.signal}`}, before ${left.join(", ")} had finished${cut.by === "grace" && !local ? " (is Slack reachable?)" : ""}. ` +
          `What ${left.length === 1 ? "it" : "they"} would have posted to Slack is not posted${jobs || diagnoses ? ": ask again in Slack" : ""}. ` +
          "A restore cut short is finished or closed by the next serve.",
      );
      return 1;
    }

    try {
      await signals.first;
      return await stop(signals.again);
    } finally {
      signals.close(); // from here a Ctrl-C ends the process at once (the default action)
    }
  },
};

/**
 * SIGINT and SIGTERM once serve runs: `first` resolves on the first, which starts the stop;
 * `again` on one that comes at least REPEAT_MS later, which ends the wait. A repeat within
 * REPEAT_MS is the same Ctrl-C twice: the terminal signals the whole process group, and
 * `npm start` forwards its own copy to the script it runs (@npmcli/run-script
 * lib/signal-manager.js, `handleSignal` kills each running child with the signal it got).
 */
function listenForStop(): { first: Promise<NodeJS.Signals>; again: Promise<NodeJS.Signals>; close(): void } {
  let firstAt: number | undefined;
  let onFirst!: (s: NodeJS.Signals) => void;
  let onAgain!: (s: NodeJS.Signals) => void;
  const first = new Promise<NodeJS.Signals>((resolve) => (onFirst = resolve));
  const again = new Promise<NodeJS.Signals>((resolve) => (onAgain = resolve));
  const on = (signal: NodeJS.Signals) => {
    const now = performance.now();
    if (firstAt === undefined) {
      firstAt = now;
      onFirst(signal);
    } else if (now - firstAt >= REPEAT_MS) onAgain(signal);
  };
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  return {
    first,
    again,
    close() {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
    },
  };
}

export default serve;
