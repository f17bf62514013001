import { WebClient } from '@slack/web-api';
import type { AccessSnapshot, Role } from '../../roles.ts';

/** The members (user ids) of one Slack user group of one workspace. */
export type GroupMembers = (workspace: string, group: string) => Promise<readonly string[]>;

/**
 * The user groups of the requester's workspace that an environment grants the role to: the only ones worth
 * asking Slack about (none granted: no call at all, so a plain principal grant costs nothing).
 */
export const groupsGranted = (
  snapshot: AccessSnapshot,
  environment: string,
  role: Role,
  workspace: string,
): string[] => [
  ...new Set(
    snapshot.grants.flatMap((g) =>
      g.environment === environment &&
      g.role === role &&
      g.subject.kind === 'group' &&
      g.subject.chat === 'slack' &&
      g.subject.workspace === workspace
        ? [g.subject.group]
        : [],
    ),
  ),
];

/**
 * The granted groups the user is in. A group Slack cannot list now is left out (reported through `failed`):
 * the person is then refused as holding no role, never let in on a guess.
 */
export const groupsOf = async (
  members: GroupMembers,
  workspace: string,
  user: string,
  groups: readonly string[],
  failed: (group: string, error: unknown) => void,
): Promise<string[]> => {
  const found = await Promise.all(
    groups.map(async (group) => {
      try {
        return (await members(workspace, group)).includes(user) ? [group] : [];
      } catch (error) {
        failed(group, error);
        return [];
      }
    }),
  );
  return found.flat();
};

/** Membership changes rarely and a command must be answered within 3 s: each group's list is kept a minute. */
export const cachedMembers = (inner: GroupMembers, ttlMs = 60_000, now = () => Date.now()): GroupMembers => {
  const cache = new Map<string, { at: number; members: Promise<readonly string[]> }>();
  return (workspace, group) => {
    const key = `${workspace}/${group}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttlMs) return hit.members;
    const members = inner(workspace, group);
    cache.set(key, { at: now(), members });
    // A failure is not kept: the next command asks again.
    members.catch(() => cache.delete(key));
    return members;
  };
};

/**
 * `usergroups.users.list` through @slack/web-api, at CAPSTAN_SLACK_API_URL when set (a local stand-in in
 * tests). No retries and a short timeout: the answer is due within Slack's 3 s, and a miss only refuses.
 */
export const slackGroupMembers = (botToken: string, slackApiUrl?: string): GroupMembers => {
  const client = new WebClient(botToken, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    retryConfig: { retries: 0 },
    timeout: 1500,
    rejectRateLimitedCalls: true,
  });
  return async (workspace, group) => {
    const answer = await client.usergroups.users.list({
      usergroup: group,
      // An org-wide install names the workspace the group belongs to; a workspace install needs no team_id.
      ...(workspace.startsWith('T') ? { team_id: workspace } : {}),
    });
    return answer.users ?? [];
  };
};
