/**
 * Who may approve a restore (DESIGN §4 "Configuration"): never the requester (unless the stage
 * says `"requireApproval": false`); when the stage names approvers, only those users or members of
 * those user groups; when it names none, anyone else.
 */
import { who } from "../format.ts";
import { esc } from "../text/mrkdwn.ts";
import type { StagePolicy } from "../config.ts";
import type { UserGroupResolver } from "./ports.ts";

export type ApprovalCheck =
  | { allowed: true; via: "anyone" | "user" | "group" | "no-approval-required"; group?: string }
  | { allowed: false; reason: "requester" | "not-an-approver"; message: string };

/** Slack user ids are written `U0ALICE` or `<@U0ALICE>` or `<@U0ALICE|alice>`; compare bare ids. */
export function bareUserId(user: string): string {
  const m = /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/.exec(user.trim());
  return m ? m[1]! : user.trim();
}

export function isSlackUserId(user: string): boolean {
  return /^[UW][A-Z0-9]+$/.test(bareUserId(user));
}

/** `<@U0ALICE>` for Slack users, the identity escaped otherwise (a CLI identity is text, never markup). */
export function mention(user: string): string {
  return isSlackUserId(user) ? `<@${bareUserId(user)}>` : esc(user);
}

const SLACK_GROUP = /^S[A-Z0-9]{2,}$/;

/**
 * The approvers of sst-state.json as Slack shows them: a user id as a mention, a user-group id as a
 * group mention; anything else in the file (a typo, `<!channel>`) as escaped text, never markup.
 */
export function describeApprovers(policy: StagePolicy): string {
  if (!policy.approvers.length) return "anyone but the requester";
  return policy.approvers.map((a) => (SLACK_GROUP.test(a) ? `<!subteam^${a}>` : who(a))).join(", ");
}

export async function checkApprover(
  policy: StagePolicy,
  stage: string,
  requester: string,
  approver: string,
  groups: UserGroupResolver,
): Promise<ApprovalCheck> {
  const who = bareUserId(approver);
  if (who === bareUserId(requester)) {
    if (!policy.requireApproval) return { allowed: true, via: "no-approval-required" };
    return {
      allowed: false,
      reason: "requester",
      message: `You asked for this restore, so someone else has to approve it (${esc(stage)} requires a second person: ${describeApprovers(policy)}).`,
    };
  }
  if (!policy.approvers.length) return { allowed: true, via: "anyone" };
  if (policy.approvers.includes(who)) return { allowed: true, via: "user" };
  for (const group of policy.approvers.filter((a) => a.startsWith("S"))) {
    const members = await groups.members(group);
    if (members.includes(who)) return { allowed: true, via: "group", group };
  }
  return {
    allowed: false,
    reason: "not-an-approver",
    message: `${mention(who)} may not approve restores of ${esc(stage)}. Approvers: ${describeApprovers(policy)} (\`approvers\` in sst-state.json).`,
  };
}

/** A resolver from a fixed map (tests, `serve` without Slack). */
export function createStaticUserGroupResolver(groups: Record<string, string[]> = {}): UserGroupResolver {
  return { members: async (id) => groups[id] ?? [] };
}
