import { getDiff, getHistory, getStatus } from "@sst-state/core/queries";
import { createLocalHomeStore } from "@sst-state/adapters/local-home";
import type { CliCommand, CliContext } from "../cli-types.ts";
import { DEMO_APP, ensureDemoHome } from "../demo.ts";
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
    style.bold(`$ sst-state status ${stage} --state-dir ${root}`),
    renderStatus(status, style, now),
    "",
    style.bold(`$ sst-state history ${stage} --state-dir ${root}`),
    renderHistory(history, style, now),
    "",
    style.bold(`$ sst-state diff ${stage} --state-dir ${root}`),
    renderDiff(diff, style, { limit: 15 }),
  ].join("\n"));
}

const demo: CliCommand<"demo"> = {
  verb: "demo",
  async run(args, ctx) {
    const { root, created } = await ensureDemoHome(ctx.cwd, ctx.services.clock.now());
    ctx.io.err(created ? `Generated a demo SST home in ${root} (app ${DEMO_APP}: prod, staging, dev).` : `Using the demo SST home in ${root}.`);
    await showDemo(ctx, root, args.command.stage ?? "prod");
    return 0;
  },
};
export default demo;
