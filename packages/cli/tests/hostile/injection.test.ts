/**
 * Hostile input: mention and link injection. A canary with `<!channel>`, `<!here>`, `<@U…>`,
 * `<!subteam^…>`, `<url|label>`, `&`, a text-direction override and an ESC sequence is planted in every user- or state-derived field (reasons,
 * holders, CI variables, requesters, stage names, URNs, error messages) of every message the bot
 * can send, and through the real Bolt app and notifier into the fake Slack API. Nothing may reach
 * Slack raw: not in `text`, not in blocks, not in fallbacks, not in file names.
 */
import { fitChatMessage } from "@sst-state/slack/render/limits";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderLockEnded, renderLockEvent } from "@sst-state/slack/render/lock-event";
import type { Lease } from "@sst-state/core/lock/types";
import { plainRestoreMessages, type RestoreRequest } from "@sst-state/core/restore";
import { failureText, progressText, renderDiagnosisMessage } from "@sst-state/core/diagnosis";
import { SstStateError } from "@sst-state/core/errors";
import { parseConfig } from "@sst-state/core/config";
import { defaultHolder } from "@sst-state/core/lock/lease";
import { createSlackNotifier } from "@sst-state/adapters/slack-web-api";
import { createWebClient } from "@sst-state/adapters/slack-web-api";
import { checkApprover, createStaticUserGroupResolver } from "@sst-state/core/restore/policy";
import { renderLockAcquired, renderLockHeld, renderLockNotYours, renderLocks, renderNotLocked, renderUnlocked } from "@sst-state/slack/render/lock";
import { renderDecisionReply, renderRequestCreated, slackRestoreMessages } from "@sst-state/slack/render/restore";
import { renderCommandError, renderError } from "@sst-state/slack/render/error";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { esc } from "@sst-state/core/text/mrkdwn";
import { createTally } from "./tally.ts";

// ... and a text-direction override and an ESC sequence, which must arrive as "?" (core/text/controls.ts)
const CANARY = "<!channel> <!here> <@U0EVIL> <!subteam^S0EVIL> <https://evil.example|click> A&B \u202Etxt.exe \u001b]0;t\u0007";
// (in the JSON the test reads, a raw ESC or BEL shows as its escape)
const RAW = ["<!channel>", "<!here>", "<@U0EVIL>", "<!subteam^S0EVIL>", "<https://evil", "A&B", "\u202E", "\\u001b", "\\u0007"];
const rawIn = (s: string) => RAW.filter((r) => s.includes(r));

const NOW = Date.parse("2026-03-01T12:00:00Z");
const lease = (over: Partial<Lease> = {}): Lease => ({
  app: "shop",
  stage: "prod",
  holder: CANARY,
  reason: CANARY,
  runUrl: `https://ci.example/job|${CANARY}`,
  token: 3,
  acquiredAt: new Date(NOW - 60_000).toISOString(),
  expiresAt: new Date(NOW + 600_000).toISOString(),
  ...over,
});
const URN = `urn:pulumi:prod::shop::aws:s3/bucket:Bucket::${CANARY}`;
const request = (over: Partial<RestoreRequest> = {}): RestoreRequest => ({
  id: "rr-0011223344556677",
  app: "shop",
  stage: "prod",
  requester: CANARY,
  source: "cli",
  target: { selector: "~1", id: "x", label: CANARY, kind: "snapshot", time: new Date(NOW).toISOString(), resources: 3, sha256: "0" },
  current: { token: "t", label: CANARY, time: new Date(NOW).toISOString(), resources: 4 },
  diff: { added: 1, removed: 1, changed: 1, unchanged: 0, top: [{ kind: "changed", urn: URN, paths: [CANARY] }] },
  createdAt: new Date(NOW).toISOString(),
  expiresAt: new Date(NOW + 1_800_000).toISOString(),
  status: "pending",
  reason: CANARY,
  decidedBy: CANARY,
  result: { finishedAt: new Date(NOW).toISOString(), error: { code: "x", message: CANARY, hint: CANARY }, previousSelector: "~1" },
  ...over,
});

/** Every message the bot can send, each built with the canary in its user-derived fields. */
async function messages(): Promise<[string, unknown][]> {
  const config = parseConfig(JSON.stringify({ stages: { prod: { approvers: ["U0ALICE"] } } }), "sst-state.json");
  const policy = config.policy("prod");
  const ci = defaultHolder({ GITLAB_CI: "true", GITLAB_USER_LOGIN: CANARY, CI_JOB_ID: CANARY, CI_JOB_URL: `https://gitlab.example/${CANARY}` });
  const ciLease = lease({ holder: ci.holder, ...(ci.runUrl ? { runUrl: ci.runUrl } : {}) });
  const out: [string, unknown][] = [
    ["announce acquired", renderLockEvent({ type: "acquired", lock: lease(), tookOver: lease() })],
    ["announce acquired from CI variables", renderLockEvent({ type: "acquired", lock: ciLease })],
    ["announce released", renderLockEvent({ type: "released", lock: lease(), heldMs: 1000, outcome: CANARY, diffSummary: CANARY } as never)],
    ["announce force-released", renderLockEvent({ type: "force-released", lock: lease(), by: CANARY, reason: CANARY } as never)],
    ["announce expired", renderLockEvent({ type: "expired", lock: lease() } as never)],
    ["announcement rewritten: released", renderLockEnded({ type: "released", lock: lease(), heldMs: 1000, outcome: CANARY, at: new Date(NOW).toISOString() })],
    ["announcement rewritten: broken", renderLockEnded({ type: "force-released", lock: lease(), by: CANARY, reason: CANARY, at: new Date(NOW).toISOString() })],
    ["announcement rewritten: expired", renderLockEnded({ type: "expired", lock: lease() })],
    ["lock acquired", renderLockAcquired(lease(), { now: NOW, tookOver: lease() })],
    ["lock held", renderLockHeld(lease(), { now: NOW, prefix: "/sst-state" })],
    ["unlocked", renderUnlocked(lease(), { now: NOW, forcedBy: CANARY, reason: CANARY })],
    ["not locked", renderNotLocked(CANARY, CANARY, CANARY)],
    ["not yours", renderLockNotYours(lease(), { now: NOW, prefix: "/sst-state" })],
    ["locks", renderLocks([lease(), ciLease], { now: NOW, app: CANARY })],
    ["command error", renderCommandError({ code: "bad-target", message: CANARY, hint: CANARY } as never)],
    ["domain error", renderError(new SstStateError("x", CANARY, { hint: CANARY }))],
    ["diagnosis report", renderDiagnosisMessage({ app: "shop", stage: "prod", findings: [{ rule: "dangling-parent", severity: "error", urn: URN, message: `${URN} has parent ${CANARY}`, fix: CANARY }], skipped: [{ rule: "x", why: CANARY }] }).message],
    ["diagnosis progress", { text: progressText("shop", "prod", CANARY) }],
    ["diagnosis failure", { text: failureText("shop", "prod", { Error: CANARY, Cause: CANARY }) }],
    ["request created", renderRequestCreated(request(), { channel: "C0DEPLOYS" })],
  ];
  for (const status of ["pending", "approved", "rejected", "expired", "done", "failed"] as const) {
    const r = request({ status });
    out.push([`slack restore request (${status})`, slackRestoreMessages.request(r, policy)]);
    out.push([`slack restore confirmation (${status})`, slackRestoreMessages.confirmation(r)]);
    out.push([`slack restore failure (${status})`, slackRestoreMessages.failure(r)]);
    out.push([`slack requester notice (${status})`, slackRestoreMessages.requesterNotice(r)]);
    out.push([`plain restore request (${status})`, plainRestoreMessages.request(r, policy)]);
    out.push([`plain restore confirmation (${status})`, plainRestoreMessages.confirmation(r)]);
    out.push([`plain restore failure (${status})`, plainRestoreMessages.failure(r)]);
    out.push([`plain requester notice (${status})`, plainRestoreMessages.requesterNotice(r)]);
  }
  for (const kind of ["restored", "failed", "blocked", "expired", "rejected", "already-decided"] as const) {
    out.push([`decision reply ${kind}`, renderDecisionReply({ kind, request: request({ status: "done" }), error: { message: CANARY, hint: CANARY } } as never)]);
  }
  for (const requester of [CANARY, "U0ALICE"]) {
    const check = await checkApprover(policy, "prod", requester, CANARY, createStaticUserGroupResolver());
    out.push([`decision reply not-allowed (${requester === CANARY ? "stranger" : "not an approver"})`, renderDecisionReply({ kind: "not-allowed", request: request(), message: check.allowed ? "" : check.message } as never)]);
  }
  out.push(["decision reply not-found", renderDecisionReply({ kind: "not-found", id: CANARY } as never)]);
  // A policy built in code (config.ts checks the file's ids; describeApprovers must not rely on it)
  const hostilePolicy = { ...policy, approvers: [CANARY, "U0ALICE", "S0SRE"] };
  out.push(["slack restore request (hostile approvers)", slackRestoreMessages.request(request(), hostilePolicy)]);
  out.push(["plain restore request (hostile approvers)", plainRestoreMessages.request(request(), hostilePolicy)]);
  const refused = await checkApprover(hostilePolicy, "prod", "U0ALICE", "U0BOB", createStaticUserGroupResolver());
  out.push(["not an approver (hostile approvers)", { text: refused.allowed ? "" : refused.message }]);
  return out;
}

/** Slack shows `plain_text` objects (headers, button labels) as they are: no mention or link is parsed there. */
function dropPlainText(this: unknown, key: string, value: unknown): unknown {
  return value && typeof value === "object" && (value as { type?: string }).type === "plain_text" ? undefined : value;
}

let api: FakeSlackApi;
beforeAll(async () => {
  api = await startFakeSlackApi({ token: "xoxb-test" });
});
afterAll(async () => {
  await api?.close();
});

describe("hostile: mention and link injection", () => {
  it("no planted mention, link or & reaches Slack raw, in text, blocks or fallbacks of any message", async () => {
    // Prepare
    const tally = createTally("mention injection (renderers)");
    // Act
    for (const [name, m] of await messages()) {
      const found = rawIn(JSON.stringify(m, dropPlainText).replace(/\\"/g, '"'));
      tally.record(found.length === 0, `${name}: ${found.join(", ")}`);
    }
    tally.report();
    // Assess
    expect(tally.lost).toEqual([]);
    expect(tally.tries).toBeGreaterThan(60);
  });

  it("what the notifier posts, updates and uploads to the Slack API carries no planted markup, and is cut to Slack's limits", async () => {
    // Prepare
    const tally = createTally("mention injection (through the Slack API)");
    const notifier = createSlackNotifier(createWebClient("xoxb-test", api.url), fitChatMessage);
    const big = lease({ reason: `${CANARY} ${"x".repeat(100_000)}` });
    // Act
    for (const [name, m] of await messages()) {
      const posted = await notifier.post("C0DEPLOYS", m as never);
      await notifier.update(posted.channel, posted.ts, m as never);
    }
    await notifier.post("C0DEPLOYS", renderLockEvent({ type: "acquired", lock: big }));
    await notifier.post("C0DEPLOYS", { text: esc(CANARY) + "y".repeat(50_000) });
    await notifier.upload("C0DEPLOYS", { filename: `diff-${CANARY}.txt`, title: CANARY, content: `- ${URN}\n+ ${JSON.stringify({ reason: CANARY })}` });
    for (const c of api.calls) {
      const blocksSent = typeof c.args.blocks === "string" ? JSON.parse(c.args.blocks) : c.args.blocks;
      const sent = JSON.stringify({ text: c.args.text, blocks: blocksSent, filename: c.args.filename, title: c.args.title }, dropPlainText).replace(/\\"/g, '"');
      const found = rawIn(sent);
      const blocks = (blocksSent as { text?: { text: string } }[] | undefined) ?? [];
      // Slack: a message's text at most 4,000 characters (3,000 beside blocks), a section's 3,000
      const tooLong = [String(c.args.text ?? "")].filter((t) => t.length > (blocks.length ? 3000 : 4000));
      for (const b of blocks) if (b.text?.text && b.text.text.length > 3000) tooLong.push(b.text.text);
      tally.record(found.length === 0 && tooLong.length === 0, `${c.method}: ${found.join(", ")}${tooLong.length ? ` ${tooLong[0]!.length} characters` : ""}`);
    }
    tally.report();
    // Assess
    expect(tally.lost).toEqual([]);
    const cut = api.calls.filter((c) => String(c.args.text ?? "").includes("full text in the thread/file") || JSON.stringify(c.args.blocks ?? "").includes("full text in the thread/file"));
    expect(cut.length).toBeGreaterThanOrEqual(1);
    expect(api.uploads.some((u) => u.content.includes("y".repeat(50_000)))).toBe(true);
    // ... and a file's content (a diff, a report: its preview applies text direction, `cat` of the
    // download ESC sequences) carries each control character as its JSON escape
    const file = api.uploads.find((u) => u.content.startsWith("- urn:"))!;
    expect(file.content).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(file.content).toContain("\\u202etxt.exe");
    expect(JSON.parse(file.content.split("\n+ ")[1]!)).toEqual({ reason: CANARY });
  });
});
