/**
 * The diagnosis workflow in AWS: StartExecution of the deployed state machine, named after the
 * Slack ids (executionNameOf) so that Slack's retries of the same command start nothing new:
 * Step Functions answers a repeated name either with the running execution (same input, still
 * running: StartExecution is idempotent) or ExecutionAlreadyExists (finished, or other input).
 */
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { SstStateError } from "@sst-state/core/errors";
import { executionNameOf, type Workflow } from "@sst-state/core/diagnosis/ports";

export class WorkflowUnavailableError extends SstStateError {
  constructor(message: string, hint: string, cause?: unknown) {
    super("workflow-unavailable", message, { hint, exitCode: 1, cause });
  }
}

export interface SfnWorkflowOptions {
  client: SFNClient;
  stateMachineArn: string;
  /** ms since the epoch (for telling an idempotent answer from a new execution) */
  now?: () => number;
}

/** arn:aws:states:r:a:stateMachine:M + name → arn:aws:states:r:a:execution:M:name */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

export function createSfnWorkflow(opts: SfnWorkflowOptions): Workflow {
  const now = opts.now ?? Date.now;
  return {
    async startDiagnosis(input) {
      const name = executionNameOf(input);
      const asked = now();
      try {
        const out = await opts.client.send(new StartExecutionCommand({ stateMachineArn: opts.stateMachineArn, name, input: JSON.stringify(input) }));
        // an idempotent answer carries the running execution's (earlier) start date
        const started = out.startDate ? out.startDate.getTime() : asked;
        return { executionId: out.executionArn ?? executionArnOf(opts.stateMachineArn, name), alreadyRunning: started < asked - 2_000 };
      } catch (e) {
        if (e instanceof ExecutionAlreadyExists || (e as { name?: string }).name === "ExecutionAlreadyExists") {
          return { executionId: executionArnOf(opts.stateMachineArn, name), alreadyRunning: true };
        }
        const code = (e as { name?: string }).name ?? "Error";
        throw new WorkflowUnavailableError(
          `Could not start the diagnosis workflow (${code}: ${(e as Error).message}).`,
          code === "AccessDeniedException"
            ? `The caller needs states:StartExecution on ${opts.stateMachineArn}.`
            : code === "StateMachineDoesNotExist"
              ? "Deploy the app (infra/workflow.ts) or fix SST_STATE_STATE_MACHINE_ARN."
              : "Try again; run `sst-state diagnose <stage>` locally meanwhile.",
          e,
        );
      }
    },
  };
}
