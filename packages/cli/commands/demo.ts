import { parseConfig } from "@sst-state/core/config";
import { UsageError } from "@sst-state/core/errors";
import { getDiff, getHistory, getStatus } from "@sst-state/core/queries";
import { createLocalHomeStore } from "@sst-state/adapters/local-home";
import { readFileSync } from "node:fs";
import type { CliArgs, CliCommand, CliContext } from "../cli-types.ts";
import { DEMO_APP, DEMO_CHANNEL, DEMO_USERS, demoEnvLine, demoPolicyPath, demoRoot, demoSstUnlock, ensureDemoHome } from "../demo.ts";
import { createStyle } from "../output.ts";
import { renderDiff } from "../render/diff.ts";
import { renderHistory } from "../render/history.ts";
import { renderStatus } from "../render/status.ts";

/** Status, history and the last diff of one stage of the demo home (also printed by `serve`). */
export async function showDemo(ctx: CliContext, root: string, stage = "prod"): Promise<void> {
  const store = createLocalHomeStore({ root });
  const deps = { store, clock: ctx.services.clock };
  const style = createStyle(ctx.io.color);
  const now = ctx.services.clock.now();
  const [status, history, diff] = await Promise.all([
    getStatus(deps, DEMO_APP, stage),
    getHistory(deps, DEMO_APP, stage, { limit: 10 }),
    getDiff(deps, DEMO_APP, stage),
  ]);
  ctx.io.out([
    style.bold(`$ sst-state status ${stage}`),
    renderStatus(status, style, now),
    "",
    style.bold(`$ sst-state history ${stage}`),
    renderHistory(history, style, now),
    "",
    style.bold(`$ sst-state diff ${stage}`),
    renderDiff(diff, style, { limit: 15 }),
  ].join("\n"));
}

/** `demo approve <id>`: the other demo user clicks Approve (the demo has no Slack to click in). */
async function approveAsDemoUser(id: string | undefined, flags: CliArgs["flags"], ctx: CliContext): Promise<number> {
  if (!id) throw new UsageError("Which request? e.g. `sst-state demo approve <request id>`.", "`sst-state restore prod ~1` (with the demo's variables set) prints the id.");
  const projectRoot = ctx.services.project.root;
  await ensureDemoHome(projectRoot, ctx.services.clock.now());
  const config = parseConfig(readFileSync(demoPolicyPath(projectRoot), "utf8"), demoPolicyPath(projectRoot));
  const { cliRestoreService, printOutcome } = await import("./restore.ts");
  const service = await cliRestoreService(ctx, { store: createLocalHomeStore({ root: demoRoot(projectRoot) }), config });
  const req = await service.get(id);
  if (!req) throw new UsageError(`There is no restore request ${id} in this project's store.`, "Copy the id that `sst-state restore` printed (`sst-state audit prod` lists requests).");
  if (req.app !== DEMO_APP) throw new UsageError(`Request ${id} is for ${req.app}/${req.stage}, not the demo app ${DEMO_APP}.`, "Real requests are approved in Slack, by someone other than the requester.");
  // the next demo approver: not the requester, and not one who already gave the first approval
  const as = typeof flags.as === "string" ? flags.as : (DEMO_USERS.find((u) => u !== req.requester && !(req.approvals ?? []).includes(u)) ?? DEMO_USERS[1]);
  ctx.io.err(`Approving request ${id} as demo user ${as} (what clicking Approve in ${DEMO_CHANNEL} does).`);
  const outcome = await service.approve({ id, approver: as });
  const code = printOutcome(ctx, outcome, flags.json === true, config);
  if (outcome.kind === "needs-second-approver") {
    ctx.io.err(`A request made from a terminal needs two Slack approvers (its requester is not verified by Slack). Approve it again as the next demo user: sst-state demo approve ${id}`);
  }
  if (outcome.kind === "blocked" && outcome.error.code === "sst-lock-held") {
    ctx.io.err(`In the demo, clear SST's lock as \`sst unlock\` would: sst-state demo sst-unlock ${req.stage}; then approve again (the request stays pending).`);
  }
  return code;
}

const demo: CliCommand<"demo"> = {
  verb: "demo",
  async run(args, ctx) {
    const { stage: first, subject } = args.command;
    if (first === "approve") return approveAsDemoUser(subject, args.flags, ctx);
    const projectRoot = ctx.services.project.root;
    if (first === "sst-unlock") {
      const stage = subject ?? "prod";
      const root = demoRoot(projectRoot);
      const done = await demoSstUnlock(root, stage, ctx.services.clock.now());
      ctx.io.out(done ? `Removed SST's lock of ${DEMO_APP}/${stage} in the demo home and closed update ${done.updateID}, as \`sst unlock --stage ${stage}\` does.` : `The demo's ${stage} has no SST lock.`);
      return 0;
    }
    if (subject) throw new UsageError(`Unexpected argument "${subject}".`, "Usage: sst-state demo [stage | approve <id> | sst-unlock <stage>]");
    const { root, created } = await ensureDemoHome(projectRoot, ctx.services.clock.now());
    ctx.io.err(created ? `Generated a demo SST home in ${root} (app ${DEMO_APP}: prod, staging, dev).` : `Using the demo SST home in ${root}.`);
    await showDemo(ctx, root, first ?? "prod");
    ctx.io.err(`\nTo run every command on the demo, from ${projectRoot}:\n  ${demoEnvLine(projectRoot)}\nthen e.g. \`sst-state lock prod --reason "db migration"\`, \`sst-state diagnose prod\`, \`sst-state restore prod ~1\` (README: Quick start).`);
    return 0;
  },
};
export default demo;
