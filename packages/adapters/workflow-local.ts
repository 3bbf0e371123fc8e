/**
 * The diagnosis workflow on one machine (CLI, `sst-state serve`): the SAME state-machine
 * definition that is deployed, run by aws-local-stepfunctions with each Task state answered by
 * the in-process task handler of the same name (taskResourceLocalHandlers), so Catch, Parallel,
 * ResultPath and OutputPath behave as in Step Functions.
 */
import "./polyfills.ts"; // before aws-local-stepfunctions: Node 20 lacks Promise.withResolvers
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { buildDiagnosisDefinition, placeholderResources, STATE } from "@sst-state/core/diagnosis/workflow-definition";
import { executionNameOf, type DiagnosisRequest, type Workflow } from "@sst-state/core/diagnosis/ports";
import { errorForWorkflow, type DiagnosisTasks, type WorkflowState } from "@sst-state/core/diagnosis/tasks";
import type { DiagnosisReport } from "@sst-state/core/diagnosis/types";

export interface LocalWorkflow extends Workflow {
  /** Run one diagnosis to the end and return the report; rejects with the error of the step that failed. */
  run(input: DiagnosisRequest): Promise<DiagnosisReport>;
  /** The outcome of an execution started with startDiagnosis (for `serve` and tests). */
  wait(executionId: string): Promise<DiagnosisReport>;
  /** Resolves when every execution started with startDiagnosis has ended (`serve` stopping). */
  idle(): Promise<void>;
  /** How many executions started with startDiagnosis have not ended yet. */
  running(): number;
}

export interface LocalWorkflowOptions {
  tasks: DiagnosisTasks;
  /** called when a background execution (startDiagnosis) fails; the channel was already told */
  onError?: (executionId: string, error: unknown) => void;
  /** how long a finished execution's name is remembered so that a Slack retry is not run twice (default 10 min) */
  rememberMs?: number;
}

// The definition is not validated again here: aws-local-stepfunctions' validation compiles its JSON
// schemas on every start (about half a second of each `sst-state diagnose`), and the definition is
// code, the same on every run, checked by asl-validator in CI (`npm run check:asl`) and in
// tests/unit/workflow-definition.test.ts, which also runs it through this interpreter's own
// validation (a definition it refuses fails there, not in a user's terminal).
let machineOnce: StateMachine | undefined;
function machine(): StateMachine {
  const definition = buildDiagnosisDefinition(placeholderResources()) as unknown as StateMachineDefinition;
  return (machineOnce ??= new StateMachine(definition, { validationOptions: { noValidate: true } }));
}

export function createLocalWorkflow(opts: LocalWorkflowOptions): LocalWorkflow {
  const executions = new Map<string, Promise<DiagnosisReport>>();
  let active = 0; // executions started and not ended (executions also remembers ended ones)

  const execute = async (input: DiagnosisRequest): Promise<DiagnosisReport> => {
    // remember the first error a task threw: the Fail state only says "DiagnosisFailed"
    let firstError: unknown;
    const wrap =
      <T>(fn: (s: WorkflowState) => Promise<T>) =>
      async (s: unknown): Promise<never> => {
        try {
          return (await fn(s as WorkflowState)) as never;
        } catch (e) {
          firstError ??= e;
          throw errorForWorkflow(e);
        }
      };
    const t = opts.tasks;
    const handlers = {
      [STATE.load]: wrap(t.load),
      [STATE.structureRules]: wrap(t.structureRules),
      [STATE.historyRules]: wrap(t.historyRules),
      [STATE.lockRules]: wrap(t.lockRules),
      [STATE.probes]: wrap(t.probes),
      [STATE.report]: wrap(t.report),
      [STATE.notifyFailure]: wrap(t.notifyFailure),
    };
    const execution = machine().run(JSON.parse(JSON.stringify(input)), { overrides: { taskResourceLocalHandlers: handlers } });
    try {
      return (await execution.result) as unknown as DiagnosisReport;
    } catch (e) {
      throw firstError ?? e;
    }
  };

  return {
    run: execute,
    async startDiagnosis(input) {
      const name = executionNameOf(input);
      if (executions.has(name)) return { executionId: name, alreadyRunning: true };
      const p = execute(input);
      executions.set(name, p);
      active++;
      const forget = () => {
        active--;
        const timer = setTimeout(() => executions.delete(name), opts.rememberMs ?? 600_000);
        timer.unref?.();
      };
      p.then(forget, (e) => {
        forget();
        opts.onError?.(name, e);
      });
      return { executionId: name, alreadyRunning: false };
    },
    async idle() {
      await Promise.allSettled([...executions.values()]);
    },
    running: () => active,
    wait(executionId) {
      const p = executions.get(executionId);
      if (!p) return Promise.reject(new Error(`No local diagnosis execution "${executionId}" (finished executions are forgotten after a while).`));
      return p;
    },
  };
}
