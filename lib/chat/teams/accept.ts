import { readAnswer, refusedText } from '../accept.ts';
import type { Headers, ChatAnswer as HttpAnswer } from '../headers.ts';
import type { ChatPorts } from '../ports.ts';
import { commandText, parseTeamsActivity, TEAMS_USAGE, teamsCommand, tenantOf } from './activity.ts';
import { teamsMessage } from './render.ts';
import { verifyTeamsSignature } from './verify.ts';

const answer = (text: string): HttpAnswer => ({ status: 200, body: teamsMessage(text) });

/**
 * POST /hooks/teams: Microsoft Teams' outgoing webhook, for the commands that change nothing. The HMAC over
 * the raw body first (lib/chat/teams/verify.ts; 401 when it does not match, or no token is configured), then
 * the activity (400), then the command. A verified person is answered in the thread with a message activity,
 * refusals too (a Teams client shows a failed status as a bare error, without the reason): a write is refused
 * as Teams is read-only, a read needs the tenant allowed in as Slack's reads need their workspace
 * (`capstan access workspace allow teams <tenant id>`). Nothing is ever enqueued or written.
 */
export const acceptTeamsMessage = async (
  req: { rawBody: string; headers: Headers },
  securityToken: string | readonly string[] | undefined,
  ports: Pick<ChatPorts, 'workspaceAllowed' | 'appReleases' | 'history'>,
): Promise<HttpAnswer> => {
  const v = verifyTeamsSignature(req.headers, req.rawBody, securityToken);
  if (!v.ok) return { status: 401, body: { error: v.code, reason: v.reason } };
  const parsed = parseTeamsActivity(req.rawBody);
  if (!parsed.ok) return { status: 400, body: { error: 'invalid-body', reason: parsed.reason } };
  const cmd = teamsCommand(commandText(parsed.activity.text));
  switch (cmd.kind) {
    case 'help':
      return answer(`${cmd.problem ? `${cmd.problem}\n\n` : ''}${TEAMS_USAGE}`);
    case 'read-only':
      return answer(
        refusedText(
          'read-only',
          `Microsoft Teams only reads (status, history): ask for ${cmd.verb} in Slack, Mattermost or with the capstan CLI`,
        ),
      );
    default: {
      // Read-only, but only for the tenants let in: another organisation's people learn nothing.
      const tenant = tenantOf(parsed.activity);
      if (!tenant)
        return answer(refusedText('foreign-workspace', 'the message names no Teams tenant (channelData.tenant.id)'));
      if (!(await ports.workspaceAllowed('teams', tenant)))
        return answer(
          refusedText(
            'foreign-workspace',
            `teams tenant ${tenant} is not allowed in (capstan access workspace allow teams ${tenant})`,
          ),
        );
      return answer(await readAnswer(ports, cmd));
    }
  }
};
