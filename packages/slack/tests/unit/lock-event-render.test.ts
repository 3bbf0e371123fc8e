import { describe, expect, it } from "vitest";
import { createLockAnnouncer, parseReleaseButtonValue, releaseButtonValue, type Lease } from "@sst-state/core/lock";
import { parseConfig } from "@sst-state/core/config";
import type { ChatMessage, Notifier } from "@sst-state/core/ports";
import { renderLockEvent } from "../../render/lock-event.ts";
import { postedMessageViolations } from "../../playground/limits-check.ts";

const lease: Lease = {
  app: "shop",
  stage: "prod",
  holder: "U0ALICE",
  reason: "hotfix <urgent>",
  runUrl: "https://github.com/acme/shop/actions/runs/42",
  token: 7,
  acquiredAt: "2025-03-01T12:03:00.000Z",
  expiresAt: "2025-03-01T12:33:00.000Z",
};
const json = (m: ChatMessage) => JSON.stringify(m.blocks);

describe("renderLockEvent", () => {
  it("renders a held lock with who, why, how long, the CI run and a Release button", () => {
    // Act
    const m = renderLockEvent({ type: "acquired", lock: lease });
    // Assess
    expect(m.text).toBe("prod locked by U0ALICE for 'hotfix &lt;urgent&gt;', for up to 30 min (https://github.com/acme/shop/actions/runs/42)");
    expect(json(m)).toContain("<@U0ALICE>");
    expect(json(m)).toContain("hotfix &lt;urgent&gt;");
    expect(json(m)).toContain("<https://github.com/acme/shop/actions/runs/42|CI run>");
    const actions = (m.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((b) => b.type === "actions");
    expect(actions?.elements?.[0]).toMatchObject({ action_id: "lock_release", value: "shop/prod/7" });
  });

  it("renders a release with held time and outcome, without a button; a CI holder is not turned into a mention", () => {
    // Act
    const m = renderLockEvent({ type: "released", lock: { ...lease, holder: "octocat (GitHub Actions run 42)" }, heldMs: 17 * 60_000, outcome: "success" });
    // Assess
    expect(m.text).toBe("prod unlocked by octocat (GitHub Actions run 42) after 17 min (success)");
    expect(json(m)).not.toContain("lock_release");
    expect(json(m)).not.toContain("<@octocat");
  });

  it("renders a force release with who broke it and why, and an expiry", () => {
    // Act
    const forced = renderLockEvent({ type: "force-released", lock: lease, by: "U0SRE", reason: "CI hung" });
    const expired = renderLockEvent({ type: "expired", lock: lease });
    // Assess
    expect(forced.text).toBe("prod: U0SRE broke the lock of U0ALICE: CI hung");
    expect(json(forced)).toContain("<@U0SRE> broke the lock of <@U0ALICE>");
    expect(expired.text).toBe("prod: the lock of U0ALICE expired without being released");
  });

  it("keeps the Release button's confirmation within Slack's 300 characters for a holder of any length", () => {
    // Act: a CI holder is built from CI variables (branch names, job names)
    const m = renderLockEvent({ type: "acquired", lock: { ...lease, holder: `ci ${"&".repeat(400)}` } });
    // Assess: Slack refuses the whole message (invalid_blocks) when one confirmation is longer
    expect(postedMessageViolations(m)).toEqual([]);
    expect(json(m)).toContain("This breaks the lock of ci &amp;&amp;");
    expect(json(m)).toMatch(/&amp;… if it still holds it\./);
  });

  it("keeps the Release dialog's title within Slack's 100 characters for a stage name of the longest kind (128)", () => {
    // Act
    const stage = `pr-${"9".repeat(125)}`;
    const m = renderLockEvent({ type: "acquired", lock: { ...lease, stage } });
    // Assess: the dialog is fitted, the rest of the message still names the whole stage
    expect(postedMessageViolations(m)).toEqual([]);
    expect(json(m)).toMatch(/"title":\{"type":"plain_text","text":"Release pr-9+…"\}/);
    expect(json(m)).toContain(`*${stage}*`);
  });

  it("round-trips the Release button value", () => {
    // Act
    const parsed = parseReleaseButtonValue(releaseButtonValue(lease));
    // Assess
    expect(parsed).toEqual({ app: "shop", stage: "prod", token: 7 });
    expect(parseReleaseButtonValue("shop/prod")).toBeNull();
  });
});

describe("createLockAnnouncer", () => {
  it("posts to the stage's own channel, else the '*' channel, and skips stages without one", async () => {
    // Prepare
    const posts: string[] = [];
    const notifier: Notifier = { post: async (channel) => (posts.push(channel), { channel, ts: "1.1" }), update: async () => {}, upload: async () => {} };
    const withStar = createLockAnnouncer({ notifier, render: renderLockEvent, config: parseConfig('{"stages":{"prod":{"channel":"C0PROD"},"*":{"channel":"C0DEPLOYS"}}}') });
    const noStar = createLockAnnouncer({ notifier, render: renderLockEvent, config: parseConfig('{"stages":{"prod":{"channel":"C0PROD"}}}') });
    // Act
    const r1 = await withStar.announce({ type: "acquired", lock: lease });
    const r2 = await withStar.announce({ type: "acquired", lock: { ...lease, stage: "dev" } });
    const r3 = await noStar.announce({ type: "acquired", lock: { ...lease, stage: "dev" } });
    // Assess
    expect(posts).toEqual(["C0PROD", "C0DEPLOYS"]);
    expect(r1).toEqual({ posted: true, channel: "C0PROD", ts: "1.1" });
    expect(r2.posted).toBe(true);
    expect(r3).toEqual({ posted: false, skipped: "no-channel" });
  });
});
