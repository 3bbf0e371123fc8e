/**
 * UserGroupResolver over Slack's `usergroups.users.list` (scope `usergroups:read`): the members of
 * an approver group (`S…`) named in sst-state.json. Answers are kept for a minute, so a burst of
 * clicks asks Slack once; a group Slack does not know has no members (nobody gets in by error).
 */
import type { UserGroupResolver } from "@sst-state/core/restore";
import type { WebClient } from "@slack/web-api";

export function createSlackUserGroupResolver(
  client: Pick<WebClient, "usergroups">,
  opts: { ttlMs?: number; now?: () => number; onError?: (groupId: string, error: unknown) => void } = {},
): UserGroupResolver {
  const ttl = opts.ttlMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { at: number; users: string[] }>();
  return {
    async members(groupId) {
      const hit = cache.get(groupId);
      if (hit && now() - hit.at < ttl) return hit.users;
      try {
        const r = await client.usergroups.users.list({ usergroup: groupId });
        const users = r.users ?? [];
        cache.set(groupId, { at: now(), users });
        return users;
      } catch (e) {
        opts.onError?.(groupId, e);
        return [];
      }
    },
  };
}
