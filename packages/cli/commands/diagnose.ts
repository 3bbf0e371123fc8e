import { createDiagnosisTasks, exitCodeOf, renderDiagnosisText } from "@sst-state/core/diagnosis";
import { createAwsProbes } from "@sst-state/adapters/probes/index";
import { createLocalWorkflow } from "@sst-state/adapters/workflow-local";
import type { CliCommand } from "../cli-types.ts";

/**
 * `sst-state diagnose <stage>`: the same state machine that runs in Step Functions, run here by
 * aws-local-stepfunctions with the task handlers in-process (no Slack: nothing is posted).
 */
const diagnose: CliCommand<"diagnose"> = {
  verb: "diagnose",
  async run(args, ctx) {
    const { app, stage } = await ctx.services.target(args.command.target);
    const store = await ctx.services.stateStore();
    const probesOff = args.flags["no-probes"] === true;
    const tasks = createDiagnosisTasks({ store, clock: ctx.services.clock, probes: createAwsProbes({ env: ctx.env, enabled: !probesOff }) });
    const report = await createLocalWorkflow({ tasks }).run({ app, stage, probes: !probesOff });
    if (args.flags.json) ctx.io.out(JSON.stringify(report));
    else ctx.io.out(renderDiagnosisText(report, { icons: false, plain: true }));
    return exitCodeOf(report);
  },
};
export default diagnose;
