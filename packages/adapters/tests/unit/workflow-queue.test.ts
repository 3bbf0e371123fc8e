import { describe, expect, it } from "vitest";
import type { ChatMessage, Notifier } from "@sst-state/core/ports";
import { queueDiagnosis, type Workflow } from "@sst-state/core/diagnosis";
import { createSfnWorkflow } from "../../workflow-sfn.ts";
import type { SFNClient } from "@aws-sdk/client-sfn";

function recordingNotifier(): Notifier & { sent: { kind: string; ts?: string; text: string }[] } {
  const sent: { kind: string; ts?: string; text: string }[] = [];
  return {
    sent,
    async post(channel, message) {
      sent.push({ kind: "post", text: message.text });
      return { channel, ts: "9.1" };
    },
    async update(_channel, ts, message: ChatMessage) {
      sent.push({ kind: "update", ts, text: message.text });
    },
    async upload(_channel, file) {
      sent.push({ kind: "upload", text: file.content });
    },
  };
}

describe("queueDiagnosis when the workflow cannot start", () => {
  it("replaces the queued message with the failure instead of leaving it queued forever, and rethrows", async () => {
    // Prepare: Step Functions refuses (the state machine is not deployed)
    const client = { send: async () => Promise.reject(Object.assign(new Error("State Machine Does Not Exist"), { name: "StateMachineDoesNotExist" })) } as unknown as SFNClient;
    const workflow: Workflow = createSfnWorkflow({ client, stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:diag" });
    const notifier = recordingNotifier();
    // Act
    const outcome = queueDiagnosis({ workflow, notifier }, { app: "shop", stage: "prod", channel: "C0PROD", user: "U0ALICE" });
    // Assess
    await expect(outcome).rejects.toMatchObject({ name: expect.stringMatching(/Error$/) });
    expect(notifier.sent[0]).toMatchObject({ kind: "post" });
    const last = notifier.sent.at(-1)!;
    expect(last).toMatchObject({ kind: "update", ts: "9.1" });
    expect(last.text).not.toContain("queued");
    expect(last.text).toContain("could not start");
  });
});
