/**
 * Repairs through the real Bolt app (`startServe`, HTTP receiver, Slack-signed requests), the fake
 * Slack Web API, and the diagnosis workflow run in-process from the deployed definition:
 * `/sst-state diagnose prod` → the report with "Propose fix" → the repair request in #prod with its
 * changes and reasons → the requester's own approval refused, a second person's approval → the
 * state written (Pulumi's integrity rules accept it), the confirmation with `sst refresh` and "Undo
 * the repair" → one undo click and its approval put the old state back; the audit log has every
 * step. Then the holdout-style faults one by one: a pending create answered with "Gone from AWS", a
 * stale SST lock ("Unlock SST"), duplicates and a missing parent.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkIntegrity } from "@sst-state/core/diagnosis/integrity";
import { FORCE_UNLOCK_MESSAGE, createDiagnosisTasks } from "@sst-state/core/diagnosis";
import { sha256Hex, type RestoreRequest } from "@sst-state/core/restore";
import { parseCheckpoint } from "@sst-state/core/state";
import { makeUpdateId } from "@sst-state/core/state/update-id";
import { createLocalWorkflow } from "@sst-state/adapters/workflow-local";
import { buttonClickBody, signedHeaders, slashCommandBody } from "@sst-state/test-kit/slack/sign";
import { responseTextOf, startRestoreBot, type RestoreBot } from "./helpers.ts";
import { createDiagnoseVerb } from "../verbs/diagnose.ts";
import { breakOrderAndDependency, nestedResource, type StateDoc } from "@sst-state/test-kit/state-faults";
import { renderDiagnosisReportBlocks } from "../render/repair.ts";

const SECRET = "repair-signing-secret";
const TOKEN = "xoxb-repair-test";
const td = new TextDecoder();
const te = new TextEncoder();

let env: RestoreBot;

beforeEach(async () => {
  env = await startRestoreBot({
    secret: SECRET,
    token: TOKEN,
    prod: { resources: 30, deploys: 3 },
    now: Date.now() - 3 * 3_600_000,
    diagnose: ({ store, notifier }) =>
      createDiagnoseVerb(createLocalWorkflow({ tasks: createDiagnosisTasks({ store, notifier, clock: { now: () => Date.now() }, reportMessage: renderDiagnosisReportBlocks }) })),
  });
});

afterEach(async () => {
  await env.serve.close();
  await env.slack.close();
});

async function send(body: string): Promise<void> {
  const res = await fetch(`${env.serve.url}/slack/events`, { method: "POST", headers: signedHeaders(SECRET, body), body });
  await res.text();
  await env.serve.drain();
}
const slash = (text: string, user: string, id: string) => send(slashCommandBody({ text, user, channel: "C0PROD", responseUrl: env.slack.responseUrl(id) }));
const click = (user: string, actionId: string, value: string, id: string) => send(buttonClickBody({ actionId, value, user, channel: "C0PROD", responseUrl: env.slack.responseUrl(id) }));

const responseOf = (id: string) => responseTextOf(env.slack, id);

/** The value of the first button with this action id in a response or a message's blocks. */
function buttonValue(blocksJson: string, actionId: string, label?: string): string {
  const blocks = JSON.parse(blocksJson.slice(blocksJson.indexOf("["))) as { type: string; elements?: { action_id?: string; value?: string; text?: { text: string } }[] }[];
  for (const b of blocks) for (const e of b.elements ?? []) if (e.action_id === actionId && (!label || e.text?.text === label)) return e.value!;
  throw new Error(`no ${actionId} button${label ? ` "${label}"` : ""} in ${blocksJson.slice(0, 300)}`);
}

async function editProd(edit: (doc: StateDoc) => void): Promise<Uint8Array> {
  const cur = await env.store.readCurrent("shop", "prod");
  const doc = JSON.parse(td.decode(cur.bytes)) as StateDoc;
  edit(doc);
  const bytes = te.encode(JSON.stringify(doc));
  await env.store.writeCurrent("shop", "prod", bytes, cur.token);
  return bytes;
}
const refused = async () => checkIntegrity(parseCheckpoint((await env.store.readCurrent("shop", "prod")).bytes)).refused;
const onlyPending = async (): Promise<RestoreRequest> => {
  const pending = await env.approvals.listPending();
  expect(pending).toHaveLength(1);
  return pending[0]!;
};
const requestPost = (id: string) => env.slack.callsTo("chat.postMessage").find((c) => c.args.channel === "C0PROD" && JSON.stringify(c.args.blocks ?? []).includes(`"value":"${id}"`));

describe("repair through the Bolt app", () => {
  it("diagnose → Propose fix → approved by a second person → repaired, audited → one undo", async () => {
    // Prepare: a parent listed after its child and a dependency on a resource that is gone
    const broken = await editProd((doc) => void breakOrderAndDependency(doc.checkpoint.latest.resources, { app: "shop", stage: "prod" }));
    expect(await refused()).toBe(true);

    // Act 1: diagnose; the report arrives with "Propose fix"
    await slash("diagnose prod", "U0ALICE", "diag");
    const report = await env.slack.waitFor(() => [...env.slack.callsTo("chat.update"), ...env.slack.callsTo("chat.postMessage")].map((c) => JSON.stringify(c.args.blocks ?? [])).find((b) => b.includes("repair_propose")), 20_000);
    expect(report).toContain("dependency-order");
    // Act 2: Alice clicks Propose fix
    await click("U0ALICE", "repair_propose", buttonValue(report, "repair_propose"), "propose");
    const req = await onlyPending();
    // Assess 2: the request in #prod lists the changes with their reasons and has Approve / Reject
    expect(req).toMatchObject({ kind: "repair", requester: "U0ALICE" });
    expect(responseOf("propose")).toContain("Repair request");
    const posted = JSON.stringify(requestPost(req.id)!.args.blocks);
    expect(posted).toContain("restore_approve");
    expect(posted).toContain("why:");
    expect(posted).toContain("dependency on `Gone` removed");

    // Act 3: Alice cannot approve her own request; Bob can
    await click("U0ALICE", "restore_approve", req.id, "self");
    const writtenBeforeBob = sha256Hex((await env.store.readCurrent("shop", "prod")).bytes);
    await click("U0BOB", "restore_approve", req.id, "bob");
    // Assess 3
    expect(responseOf("self")).toMatch(/someone else/);
    expect(writtenBeforeBob).toBe(sha256Hex(broken));
    expect(responseOf("bob")).toMatch(/Repaired/);
    expect(await refused()).toBe(false);
    expect(sha256Hex((await env.store.readCurrent("shop", "prod")).bytes)).toBe(req.target.sha256);
    const confirmation = env.slack.callsTo("chat.postMessage").find((c) => c.args.channel === "C0PROD" && JSON.stringify(c.args.blocks ?? []).includes("Undo the repair"))!;
    expect(JSON.stringify(confirmation.args.blocks)).toContain("run `sst refresh --stage prod`");
    expect((await env.audit.list("shop", "prod")).map((e) => `${e.action}:${e.actor}`).reverse()).toEqual(["restore.requested:U0ALICE", "restore.refused:U0ALICE", "restore.approved:U0BOB", "restore.done:U0BOB"]);

    // Act 4: one undo click, approved by someone else
    await click("U0BOB", "restore_undo", buttonValue(JSON.stringify(confirmation.args.blocks), "restore_undo"), "undo");
    const undo = await onlyPending();
    await click("U0SREDAVE", "restore_approve", undo.id, "dave");
    // Assess 4: the broken state is back (nothing was lost)
    expect(undo).toMatchObject({ undoOf: req.id, requester: "U0BOB" });
    expect(sha256Hex((await env.store.readCurrent("shop", "prod")).bytes)).toBe(sha256Hex(broken));
  });

  it("a pending create: Propose fix asks per resource; 'Gone from AWS' proposes the repair, which is approved", async () => {
    // Prepare
    const urn = "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::Uploads";
    await editProd((doc) => void (doc.checkpoint.latest.pending_operations = [{ type: "creating", resource: { urn, type: "aws:s3/bucket:Bucket", custom: true } }]));
    // Act: the repair verb, then the answer button
    await slash("repair prod", "U0ALICE", "ask");
    const asked = responseOf("ask");
    await click("U0ALICE", "repair_answer", buttonValue(asked, "repair_answer", "Gone from AWS"), "gone");
    const req = await onlyPending();
    await click("U0BOB", "restore_approve", req.id, "bob");
    // Assess
    expect(asked).toContain("Exists in AWS");
    expect(req.repair).toMatchObject({ answers: [{ urn, answer: "gone" }], answeredBy: "U0ALICE" });
    expect(parseCheckpoint((await env.store.readCurrent("shop", "prod")).bytes).pendingOperations).toEqual([]);
    expect((await env.approvals.get(req.id))!.status).toBe("done");
  });

  it("Unlock SST: the stale lock is removed and its record closed as `sst unlock` does, after approval", async () => {
    // Prepare: a deploy that crashed three hours ago
    const started = Date.now() - 3 * 3_600_000;
    const updateID = makeUpdateId(started);
    await env.store.putSstLock("shop", "prod", { created: new Date(started).toISOString(), updateID, runID: "r1", command: "deploy", ignore: true });
    await env.store.writeUpdate("shop", "prod", { id: updateID, runID: "r1", version: "4.17.1", command: "deploy", errors: [], timeStarted: new Date(started).toISOString() });
    // Act
    await slash("repair prod --rule stale-lock", "U0ALICE", "ask");
    const req = await onlyPending();
    await click("U0BOB", "restore_approve", req.id, "bob");
    // Assess
    expect(JSON.stringify(requestPost(req.id)!.args.blocks)).toContain("SST's lock");
    expect(await env.store.readSstLock("shop", "prod")).toBeNull();
    expect(await env.store.readUpdate("shop", "prod", updateID)).toMatchObject({ errors: [{ urn: "", message: FORCE_UNLOCK_MESSAGE }], timeStarted: "", command: "deploy" });
    expect((await env.approvals.get(req.id))!.result).toMatchObject({ unlocked: updateID });
  });

  it("duplicates and a missing parent: proposed with the choice stated, approved, accepted by Pulumi's rules", async () => {
    // Prepare
    let child = "";
    await editProd((doc) => {
      const rs = doc.checkpoint.latest.resources;
      const c = nestedResource(rs);
      child = c.urn;
      c.parent = "urn:pulumi:prod::shop::sst:aws:Function::Deleted";
      const dup = rs.find((r) => r.custom && r.id && r !== c && !r.type.startsWith("pulumi:providers:"))!;
      rs.push(structuredClone(dup));
    });
    // Act
    await slash("repair prod", "U0ALICE", "ask");
    const req = await onlyPending();
    await click("U0BOB", "restore_approve", req.id, "bob");
    // Assess
    const posted = JSON.stringify(requestPost(req.id)!.args.blocks);
    expect(posted).toContain("Choice:");
    expect(posted).toContain("re-parented to the stack");
    expect(req.repair!.changes.map((c) => c.rule).sort()).toEqual(["dangling-parent", "duplicate-urn"]);
    expect(await refused()).toBe(false);
    expect(parseCheckpoint((await env.store.readCurrent("shop", "prod")).bytes).resources.some((r) => r.urn === child)).toBe(true);
  });

  it("nothing proposed when the repaired state would still be refused: the reply says what blocks it", async () => {
    // Prepare: a provider reference to a provider that is not in the state
    await editProd((doc) => {
      const r = doc.checkpoint.latest.resources.find((x) => x.custom && typeof x.provider === "string" && x.provider.includes("::"))!;
      r.provider = "urn:pulumi:prod::shop::pulumi:providers:aws::gone::0f0e0d0c-0000-0000-0000-000000000000";
    });
    // Act
    await slash("repair prod", "U0ALICE", "ask");
    // Assess
    expect(responseOf("ask")).toContain("no mechanical fix, because a custom resource must have its provider");
    expect(await env.approvals.listPending()).toEqual([]);
  });
});
