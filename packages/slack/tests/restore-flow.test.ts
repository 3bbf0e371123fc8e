/**
 * The restore flow through the real Bolt app (`startServe`, HTTP receiver, signed requests) and
 * the fake Slack Web API: `/sst-state restore prod previous` → the request in #prod with buttons →
 * Approve clicks (the requester's is refused, a user-group member's wins, a retry is dropped, a
 * late click is told who approved) → restore → the message updated in place, the confirmation
 * with `sst refresh` and the undo button posted, the requester told; the audit log has every step.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex, type RestoreRequest } from "@sst-state/core/restore";
import { stateKeys } from "@sst-state/core/state/versions";
import { responseTextOf, startRestoreBot, type RestoreBot } from "./helpers.ts";
import { buttonClickBody, signedHeaders, slashCommandBody } from "@sst-state/test-kit/slack/sign";

const SECRET = "restore-signing-secret";
const TOKEN = "xoxb-restore-test";
let env: RestoreBot;

beforeEach(async () => {
  env = await startRestoreBot({ secret: SECRET, token: TOKEN, prod: { resources: 20, deploys: 3 } });
});

afterEach(async () => {
  await env.serve.close();
  await env.slack.close();
});

async function send(body: string, opts: { retryNum?: number; secret?: string } = {}): Promise<number> {
  const res = await fetch(`${env.serve.url}/slack/events`, {
    method: "POST",
    headers: signedHeaders(opts.secret ?? SECRET, body, opts.retryNum ? { retryNum: opts.retryNum } : {}),
    body,
  });
  await res.text();
  await env.serve.drain();
  return res.status;
}

function click(user: string, actionId: string, value: string, responseId: string, triggerId?: string) {
  return buttonClickBody({ actionId, value, user, channel: "C0PROD", responseUrl: env.slack.responseUrl(responseId), ...(triggerId ? { triggerId } : {}) });
}

const responseText = (id: string) => responseTextOf(env.slack, id);

async function requestRestore(): Promise<RestoreRequest> {
  expect(await send(slashCommandBody({ text: "restore prod previous", user: "U0ALICE", channel: "C0PROD", responseUrl: env.slack.responseUrl("ask") }))).toBe(200);
  const [pending] = await env.approvals.listPending();
  expect(pending).toBeDefined();
  return pending!;
}

describe("restore through the Bolt app", () => {
  it("request → refused self-approval → approval by a group member → restore → confirmation, with every step audited", async () => {
    // Prepare
    const before = sha256Hex((await env.store.readCurrent("shop", "prod")).bytes);
    const versionsBefore = await env.store.listVersions("shop", "prod");
    // Act 1: the request
    const req = await requestRestore();
    // Assess 1: posted to #prod with the two buttons, the requester told where
    const post = env.slack.callsTo("chat.postMessage").find((c) => c.args.channel === "C0PROD");
    expect(post).toBeDefined();
    const blocks = JSON.stringify(post!.args.blocks);
    expect(blocks).toContain('"action_id":"restore_approve"');
    expect(blocks).toContain('"action_id":"restore_reject"');
    expect(blocks).toContain(`"value":"${req.id}"`);
    expect(blocks).toContain("<@U0ALICE>");
    expect(responseText("ask")).toContain("<#C0PROD>");

    // Act 2: the requester clicks Approve
    await send(click("U0ALICE", "restore_approve", req.id, "self"));
    // Assess 2
    expect(responseText("self")).toMatch(/someone else/);
    expect(sha256Hex((await env.store.readCurrent("shop", "prod")).bytes)).toBe(before);

    // Act 3: a member of the approver group clicks Approve
    const trigger = `${Date.now()}.777.approve`;
    await send(click("U0SREDAVE", "restore_approve", req.id, "dave", trigger));
    // Assess 3: restored, message updated in place, confirmation posted, requester told
    expect(sha256Hex((await env.store.readCurrent("shop", "prod")).bytes)).toBe(req.target.sha256);
    expect(responseText("dave")).toMatch(/Restored/);
    const updates = env.slack.callsTo("chat.update").filter((c) => c.args.ts === post!.args.ts || c.args.channel === "C0PROD");
    expect(updates.length).toBeGreaterThan(0);
    const lastUpdate = JSON.stringify(updates.at(-1)!.args.blocks);
    expect(lastUpdate).toMatch(/Restored\. Approved by <@U0SREDAVE>/);
    expect(lastUpdate).not.toContain("restore_approve");
    const confirmation = env.slack.callsTo("chat.postMessage").find((c) => c.args.channel === "C0PROD" && /restored to/.test(String(c.args.text)));
    expect(JSON.stringify(confirmation?.args.blocks)).toContain("run `sst refresh --stage prod`");
    expect(confirmation).toBeDefined();
    expect(JSON.stringify(confirmation!.args.blocks)).toContain('"action_id":"restore_undo"');
    expect(env.slack.callsTo("chat.postMessage").some((c) => c.args.channel === "U0ALICE")).toBe(true);
    expect(await env.store.readSstLock("shop", "prod")).toBeNull();

    // Act 4: Slack retries the same click, and Bob clicks late
    await send(click("U0SREDAVE", "restore_approve", req.id, "dave-retry", trigger), { retryNum: 1 });
    await send(click("U0BOB", "restore_approve", req.id, "bob"));
    // Assess 4: one restore only; Bob is told who approved
    expect(responseText("dave-retry")).toBe("");
    expect(responseText("bob")).toMatch(/already approved by <@U0SREDAVE>/);
    expect(env.audit.all().filter((e) => e.action === "restore.done")).toHaveLength(1);

    // The audit log holds every step, and no version was lost
    const actions = (await env.audit.list("shop", "prod")).map((e) => `${e.action}:${e.actor}`).reverse();
    expect(actions).toEqual(["restore.requested:U0ALICE", "restore.refused:U0ALICE", "restore.approved:U0SREDAVE", "restore.done:U0SREDAVE"]);
    const after = await env.store.listVersions("shop", "prod");
    const pastBefore = versionsBefore.filter((x) => x.kind !== "current");
    expect(pastBefore.length).toBeGreaterThan(0);
    for (const v of pastBefore) expect(after.some((x) => x.id === v.id)).toBe(true);
  });

  it("Reject closes the request and updates the message; the undo button of a done restore asks for a new request", async () => {
    const req = await requestRestore();
    await send(click("U0BOB", "restore_reject", req.id, "reject"));
    expect((await env.approvals.get(req.id))!.status).toBe("rejected");
    expect(JSON.stringify(env.slack.callsTo("chat.update").at(-1)!.args.blocks)).toMatch(/Rejected by <@U0BOB>/);
    expect(env.slack.callsTo("chat.postMessage").some((c) => c.args.channel === "U0ALICE" && /rejected/i.test(String(c.args.text)))).toBe(true);

    const again = await requestRestore();
    await send(click("U0BOB", "restore_approve", again.id, "ok"));
    expect((await env.approvals.get(again.id))!.status).toBe("done");
    await send(click("U0BOB", "restore_undo", again.id, "undo"));
    const [undo] = await env.approvals.listPending();
    expect(undo).toMatchObject({ undoOf: again.id, requester: "U0BOB", target: { sha256: again.current.sha256 } });
  });

  it("a user outside the policy cannot approve, and a click with a bad signature does nothing", async () => {
    const req = await requestRestore();
    expect(await send(click("U0BOB", "restore_approve", req.id, "forged"), { secret: "wrong-secret" })).toBe(401);
    await send(click("U0MALLORY", "restore_approve", req.id, "mallory"));
    expect(responseText("forged")).toBe("");
    expect(responseText("mallory")).toMatch(/may not approve/);
    expect((await env.approvals.get(req.id))!.status).toBe("pending");
    expect(env.store.get(stateKeys.lock("shop", "prod"))).toBeUndefined();
  });
});
