import { beforeEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { executionNameOf } from "@sst-state/core/diagnosis";
import { createSfnWorkflow, executionArnOf, WorkflowUnavailableError } from "../../workflow-sfn.ts";

const ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:sst-state-prod-Diagnose";
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const sfn = mockClient(SFNClient);
const request = { app: "shop", stage: "prod", slack: { channel: "C0PROD", ts: "1700000000.000100" } };

beforeEach(() => sfn.reset());

describe("Step Functions workflow", () => {
  const workflow = () => createSfnWorkflow({ client: new SFNClient({ region: "eu-west-1" }), stateMachineArn: ARN, now: () => NOW });

  it("starts an execution named after the Slack ids with the request as input", async () => {
    // Prepare
    const name = executionNameOf(request);
    sfn.on(StartExecutionCommand).resolves({ executionArn: executionArnOf(ARN, name), startDate: new Date(NOW) });
    // Act
    const out = await workflow().startDiagnosis(request);
    // Assess
    expect(out).toEqual({ executionId: `arn:aws:states:eu-west-1:123456789012:execution:sst-state-prod-Diagnose:${name}`, alreadyRunning: false });
    const input = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(input.name).toBe("diagnose-shop-prod-C0PROD-1700000000_000100");
    expect(JSON.parse(input.input!)).toEqual(request);
  });

  it("treats a retry of a finished or running request as already running", async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: "Execution Already Exists", $metadata: {} }));
    expect(await workflow().startDiagnosis(request)).toEqual({ executionId: executionArnOf(ARN, executionNameOf(request)), alreadyRunning: true });
    sfn.reset();
    // StartExecution is idempotent for a running execution with the same input: it returns the old start date
    sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:x", startDate: new Date(NOW - 30_000) });
    expect((await workflow().startDiagnosis(request)).alreadyRunning).toBe(true);
  });

  it("turns other errors into a domain error with a hint", async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
    const err = await workflow().startDiagnosis(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUnavailableError);
    expect((err as WorkflowUnavailableError).hint).toContain("states:StartExecution");
  });

  it("keeps execution names within Step Functions' limits", () => {
    const name = executionNameOf({ app: "a-very-long-application-name-that-goes-on", stage: "feature-branch-with-a-long-name", slack: { channel: "C0123456789", ts: "1700000000.123456" } });
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(name).toContain("C0123456789-1700000000_123456");
  });
});
