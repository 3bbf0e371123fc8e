import { createDiagnosisTasks, exitCodeOf, renderDiagnosisText } from "@sst-state/core/diagnosis";
import { createAwsProbes } from "@sst-state/adapters/probes/index";
import { createLocalWorkflow } from "@sst-state/adapters/workflow-local";
import type { CliCommand } from "../cli-types.ts";

/**
 * `sst-state diagnose <stage>`: the same state machine that runs in Step Functions, run here by
 * aws-local-stepfunctions with the task handlers in-process (no Slack: nothing is posted).
 */
const diagnose: CliCommand = {
  name: "diagnose",
  usage: "diagnose <stage>",
  summary: "check the stage for every known way SST state breaks, with a fix for each finding",
  help:
    "Examples:\n  sst-state diagnose prod\n  sst-state diagnose shop/prod --json\n  sst-state diagnose prod --no-probes\n\n" +
    "Runs the state rules (pending operations, locks, dangling references, order, retained orphans, …) and, when AWS\n" +
    "credentials are configured, the cloud probes (Router KV entries, resources tagged for the stage).\n" +
    "Exit 1 when there are error findings.",
  readsState: true,
  flags: {
    "no-probes": { type: "boolean", description: "do not call AWS for the cloud probes" },
  },
  async run(args, ctx) {
    const { app, stage } = await ctx.services.target(args.positionals[0]);
    const store = await ctx.services.stateStore();
    const probesOff = args.flags["no-probes"] === true;
    const tasks = createDiagnosisTasks({ store, clock: ctx.services.clock, probes: createAwsProbes({ env: ctx.env, enabled: !probesOff }) });
    const report = await createLocalWorkflow({ tasks }).run({ app, stage, probes: !probesOff });
    if (args.flags.json) ctx.io.out(JSON.stringify(report));
    else ctx.io.out(renderDiagnosisText(report, { icons: false }));
    return exitCodeOf(report);
  },
};
export default diagnose;
