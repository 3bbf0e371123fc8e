import "../../polyfills.ts"; // before aws-local-stepfunctions: Node 20 lacks Promise.withResolvers
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import { checkDefinition } from "../../../../scripts/check-asl.ts";
import { buildDiagnosisDefinition, placeholderResources, STATE } from "@sst-state/core/diagnosis";

type State = Record<string, unknown> & { Type: string; Catch?: { ErrorEquals: string[]; Next: string }[]; Branches?: { States: Record<string, State> }[] };

describe("diagnosis workflow definition", () => {
  it("passes asl-validator", () => {
    const def = buildDiagnosisDefinition(placeholderResources("eu-west-1", "123456789012"));
    expect(checkDefinition(def)).toEqual({ valid: true, errors: "" });
  });

  // workflow-local.ts builds its StateMachine with validation off (the schemas cost half a second
  // per run): the interpreter's own validation, with ARN and path checks, must accept it here.
  it("passes aws-local-stepfunctions' own validation (ARNs and paths checked)", () => {
    const def = buildDiagnosisDefinition(placeholderResources()) as unknown as StateMachineDefinition;
    expect(() => new StateMachine(def, { validationOptions: { checkArn: true, checkPaths: true } })).not.toThrow();
    const broken = structuredClone(def) as unknown as { States: Record<string, Record<string, unknown>> };
    broken.States[STATE.probes]!.Next = "Nowhere";
    expect(() => new StateMachine(broken as unknown as StateMachineDefinition, { validationOptions: { checkArn: true, checkPaths: true } })).toThrow();
  });

  it("the check rejects a definition with a dangling transition", () => {
    const def = buildDiagnosisDefinition(placeholderResources());
    (def.States[STATE.probes] as Record<string, unknown>).Next = "Nowhere";
    const out = checkDefinition(def);
    expect(out.valid).toBe(false);
    expect(out.errors).toContain("Nowhere");
  });

  it("catches every failure of a Task or Parallel state into NotifyFailure, which then fails", () => {
    const def = buildDiagnosisDefinition(placeholderResources());
    const states = def.States as Record<string, State>;
    for (const [name, s] of Object.entries(states)) {
      if (s.Type !== "Task" && s.Type !== "Parallel") continue;
      const target = name === STATE.notifyFailure ? STATE.failed : STATE.notifyFailure;
      expect(s.Catch, name).toEqual([expect.objectContaining({ ErrorEquals: ["States.ALL"], Next: target })]);
    }
    expect(states[STATE.notifyFailure]!.Next).toBe(STATE.failed);
    expect(states[STATE.failed]!.Type).toBe("Fail");
  });

  it("runs the three rule groups as independent branches of one Parallel state, with the given ARNs", () => {
    const res = placeholderResources();
    const def = buildDiagnosisDefinition({ ...res, lockRules: "arn:aws:lambda:us-east-1:000000000000:function:custom-lock" });
    const rules = (def.States as Record<string, State>)[STATE.rules]!;
    expect(rules.Type).toBe("Parallel");
    const heads = rules.Branches!.map((b) => Object.keys(b.States));
    expect(heads).toEqual([[STATE.structureRules], [STATE.historyRules], [STATE.lockRules]]);
    expect(rules.Branches![2]!.States[STATE.lockRules]!.Resource).toBe("arn:aws:lambda:us-east-1:000000000000:function:custom-lock");
    expect(def.StartAt).toBe(STATE.load);
  });
});
