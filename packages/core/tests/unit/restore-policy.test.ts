import { describe, expect, it } from "vitest";
import { parseConfig } from "../../config.ts";
import { checkApprover, createStaticUserGroupResolver, bareUserId } from "../../restore/policy.ts";
import { summarizeDiff, diffAsText } from "../../restore/plan.ts";

const groups = createStaticUserGroupResolver({ S0SRE: ["U0DAVE"] });
const prod = parseConfig(JSON.stringify({ stages: { prod: { approvers: ["U0BOB", "S0SRE"] }, dev: { requireApproval: false } } })).policy;

describe("checkApprover", () => {
  it("refuses the requester, even written as a mention", async () => {
    const r = await checkApprover(prod("prod"), "prod", "U0BOB", "<@U0BOB|bob>", groups);
    expect(r).toMatchObject({ allowed: false, reason: "requester" });
  });

  it("allows a named user and a member of a named group, and nobody else", async () => {
    expect(await checkApprover(prod("prod"), "prod", "U0ALICE", "U0BOB", groups)).toMatchObject({ allowed: true, via: "user" });
    expect(await checkApprover(prod("prod"), "prod", "U0ALICE", "U0DAVE", groups)).toMatchObject({ allowed: true, via: "group", group: "S0SRE" });
    expect(await checkApprover(prod("prod"), "prod", "U0ALICE", "U0EVE", groups)).toMatchObject({ allowed: false, reason: "not-an-approver" });
  });

  it("with no file, anyone but the requester", async () => {
    const none = parseConfig(undefined).policy("prod");
    expect(await checkApprover(none, "prod", "U0ALICE", "U0EVE", groups)).toMatchObject({ allowed: true, via: "anyone" });
    expect(await checkApprover(none, "prod", "U0ALICE", "U0ALICE", groups)).toMatchObject({ allowed: false });
  });

  it("requireApproval false lets the requester approve", async () => {
    expect(await checkApprover(prod("dev"), "dev", "U0ALICE", "U0ALICE", groups)).toMatchObject({ allowed: true, via: "no-approval-required" });
  });

  it("bareUserId strips Slack mention syntax only", () => {
    expect(bareUserId("<@W0X1|x>")).toBe("W0X1");
    expect(bareUserId("alice@host")).toBe("alice@host");
  });
});

describe("diff summary", () => {
  it("puts removed first, then added, then changed, and caps the list; the text never holds a secret value", () => {
    const diff = {
      from: "a",
      to: "b",
      added: Array.from({ length: 30 }, (_, i) => `urn:add${i}`),
      removed: ["urn:gone"],
      changed: [{ urn: "urn:ch", paths: ["inputs.password"], secrets: ["inputs.password"] }],
      unchanged: 4,
    };
    const s = summarizeDiff(diff, 10);
    expect(s).toMatchObject({ added: 30, removed: 1, changed: 1, unchanged: 4 });
    expect(s.top).toHaveLength(10);
    expect(s.top[0]).toEqual({ kind: "removed", urn: "urn:gone" });
    expect(diffAsText(diff, { app: "shop", stage: "prod" })).toMatch(/inputs\.password \(secret changed\)/);
  });
});
