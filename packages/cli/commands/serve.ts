/**
 * `sst-state serve`: the whole bot on one machine (DESIGN §3 "One machine, embedded defaults"):
 * state from the SST local home (or AWS when configured; a generated demo home when there is
 * neither), locks/approvals/audit in the embedded store under .sst-state/db (or SST_STATE_TABLE),
 * the Slack app over HTTP on PORT (`POST /slack/events`) or Socket Mode with SLACK_APP_TOKEN.
 */
import { createWebClient } from "@sst-state/slack/web-client";
import { UsageError } from "@sst-state/core/errors";
import { createLockAnnouncer } from "@sst-state/core/lock";
import { createLocalHomeStore } from "@sst-state/adapters/local-home";
import { startLockAnnouncements } from "@sst-state/adapters/lock-announcements";
import { startServe } from "@sst-state/slack/serve";
import { createSlackNotifier } from "@sst-state/slack/notifier";
import { createRestoreHandlers } from "@sst-state/slack/listeners/restore";
import { createSlackUserGroupResolver } from "@sst-state/slack/listeners/restore-usergroups";
import { createDynamoApprovalStore } from "@sst-state/adapters/dynamodb-approval-store";
import { createDynamoAuditLog } from "@sst-state/adapters/dynamodb-audit-log";
import type { CliCommand } from "../cli-types.ts";
import { parseConfig } from "@sst-state/core/config";
import { readFileSync } from "node:fs";
import { DEMO_APP, demoPolicyPath, pickEmbeddedHome } from "../demo.ts";
import { describePortOwner } from "../port-owner.ts";
import { lockStore } from "../locks.ts";
import { showDemo } from "./demo.ts";
import { createDiagnosisTasks } from "@sst-state/core/diagnosis";
import { createAwsProbes } from "@sst-state/adapters/probes/index";
import { createLocalWorkflow } from "@sst-state/adapters/workflow-local";
import { createDiagnoseVerb } from "@sst-state/slack/listeners/diagnose";
import { createVerbs } from "@sst-state/slack/verbs";

const serve: CliCommand<"serve"> = {
  verb: "serve",
  async run(args, ctx) {
    const env = ctx.env;
    const portText = typeof args.flags.port === "string" ? args.flags.port : env.PORT ?? "3000";
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${portText}".`);

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
    const locks = await lockStore(ctx.services);

    const slackApiUrl = env.SLACK_API_URL;
    const web = createWebClient(env.SLACK_BOT_TOKEN, slackApiUrl);
    const notifier = createSlackNotifier(web);
    const announcer = createLockAnnouncer({ notifier, config });
    // Diagnoses run the deployed state-machine definition in-process (aws-local-stepfunctions).
    const workflow = createLocalWorkflow({
      tasks: createDiagnosisTasks({ store, notifier, clock: ctx.services.clock, probes: createAwsProbes({ env }) }),
    });
    // restore: `/sst-state restore`, Approve / Reject / undo buttons, approvals run in-process here
    const restore = createRestoreHandlers({ approvals: createDynamoApprovalStore(table), audit: createDynamoAuditLog(table), groups: createSlackUserGroupResolver(web) });

    const handle = await startServe({
      port,
      ...(typeof args.flags.host === "string" ? { host: args.flags.host } : {}),
      deps: {
        store,
        clock: ctx.services.clock,
        config,
        locks,
        notifier,
        ...createVerbs({ diagnose: createDiagnoseVerb(workflow), restore }),
      },
      ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
      ...(env.SLACK_BOT_TOKEN ? { botToken: env.SLACK_BOT_TOKEN } : {}),
      ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
      ...(slackApiUrl ? { slackApiUrl } : {}),
      print: (line) => ctx.io.out(line),
    }).catch((e: unknown) => {
      if ((e as { code?: string }).code !== "EADDRINUSE") throw e;
      const owner = describePortOwner(port);
      const next = port === 65535 ? 3001 : port + 1;
      throw new UsageError(
        `Port ${port} is already in use${owner ? ` by ${owner}` : ""}, so serve cannot listen on it.`,
        `Stop that process, or pick another port: PORT=${next} sst-state serve (or --port ${next}).`,
      );
    });
    // The embedded store has no stream: a feed polls the lock items and announces every change,
    // whoever made it (Slack, or the CLI through this process's store). A real table's stream
    // Lambda announces in AWS, so nothing runs here for it.
    const announcements = await startLockAnnouncements({ table, announcer });
    ctx.io.out(`state: ${store.location}; locks, approvals and audit: ${table.where}`);
    if (handle.mode !== "socket") ctx.io.out(`health: ${handle.url}/healthz   Ctrl-C stops.`);

    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    ctx.io.out("stopping…");
    await announcements.stop();
    await handle.close();
    return 0;
  },
};
export default serve;
