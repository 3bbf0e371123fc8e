import { createDiagnosisTasks, exitCodeOf, renderDiagnosisText } from "@sst-state/core/diagnosis";
import { createAwsProbes } from "@sst-state/adapters/probes/index";
import { createLocalWorkflow } from "@sst-state/adapters/workflow-local";
import { isRepairRule } from "@sst-state/core/repair";
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
    const tasks = createDiagnosisTasks({ store, clock: ctx.services.clock, probes: createAwsProbes({ env: ctx.env, enabled: !probesOff }), oneProcess: true, indexVersion: ctx.services.indexVersion });
    const report = await createLocalWorkflow({ tasks }).run({ app, stage, probes: !probesOff });
    if (args.flags.json) ctx.io.out(JSON.stringify(report));
    else {
      ctx.io.out(renderDiagnosisText(report, { for: "terminal" }));
      // the terminal's "Propose fix": findings that `repair` has a mechanical fix for
      const fixable = [...new Set(report.findings.filter((f) => f.severity !== "info" && isRepairRule(f.rule)).map((f) => f.rule))];
      if (fixable.length) {
        const target = args.command.target.app ? `${app}/${stage}` : stage;
        ctx.io.out(`\nA repair can fix ${fixable.join(", ")}: \`sst-state repair ${target} --plan\` shows it, \`sst-state repair ${target}\` asks for approval.`);
      }
    }
    return exitCodeOf(report);
  },
};
export default diagnose;
