/**
 * `/sst-state diagnose <stage>`: never runs the rules in the Slack request. It posts a "queued"
 * message in the channel and starts the diagnosis workflow (Step Functions in AWS, the same
 * definition in-process under `serve`); the workflow's tasks update that message as steps finish
 * and end with the report.
 */
import type { Workflow } from "@sst-state/core/diagnosis/ports";
import { queueDiagnosis } from "@sst-state/core/diagnosis/queue";
import { SstStateError, StageNotFoundError } from "@sst-state/core/errors";
import { resolveApp } from "@sst-state/core/queries";
import type { VerbHandler } from "../deps.ts";

export class DiagnosisNotConfiguredError extends SstStateError {
  constructor() {
    super("diagnosis-not-configured", "Diagnoses are not configured for this bot: it has no diagnosis workflow to start.", {
      hint: "Set SST_STATE_STATE_MACHINE_ARN (the deployed bot links its DiagnosisWorkflow), or run `sst-state diagnose <stage>` in a terminal.",
      exitCode: 2,
    });
  }
}

/** `diagnose` for a bot without a workflow: it says so, and how to set it up. */
export function diagnoseUnavailable(): VerbHandler<"diagnose"> {
  return async () => {
    throw new DiagnosisNotConfiguredError();
  };
}

export function createDiagnoseVerb(workflow: Workflow): VerbHandler<"diagnose"> {
  return async ({ command, user, channel, deps }) => {
    const app = await resolveApp(deps.store, command.target.app, deps.config);
    // Unknown stage: fail here with the list of stages, not later inside the workflow.
    const stages = await deps.store.listStages(app);
    if (!stages.includes(command.target.stage)) throw new StageNotFoundError(app, command.target.stage, stages, deps.store.location);
    const started = await queueDiagnosis({ workflow, notifier: deps.notifier }, { app, stage: command.target.stage, channel, user });
    return {
      visibility: "ephemeral",
      message: {
        text: started.alreadyRunning
          ? `A diagnosis of ${app}/${command.target.stage} is already running; its report will appear in the channel.`
          : `Diagnosis of ${app}/${command.target.stage} queued; the report will replace the message in the channel.`,
        blocks: [],
      },
    };
  };
}
