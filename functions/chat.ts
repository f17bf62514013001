import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { acceptMattermostAction, acceptMattermostCommand } from '../lib/chat/mattermost/accept.ts';
import { chatSecret } from '../lib/chat/secret.ts';
import { acceptSlackCommand, acceptSlackInteraction } from '../lib/chat/slack/accept.ts';
import { cachedMembers, type GroupMembers, slackGroupMembers } from '../lib/chat/slack/groups.ts';
import { responseUrlAllowed } from '../lib/chat/slack/response-url.ts';
import { acceptTeamsMessage } from '../lib/chat/teams/accept.ts';
import { type HttpAnswer, httpResult } from '../lib/ingest/answer.ts';
import { MAX_HOOK_BODY_BYTES, requestBody } from '../lib/ingest/body.ts';
import { tableChatPorts } from '../lib/lambda/chat-ports.ts';
import { wire } from '../lib/lambda/wiring.ts';
import { slackWebApi } from '../lib/notify/slack.ts';

const w = wire('chat');
const secret = chatSecret(w.secrets);
const warn = (message: string, extra?: Record<string, unknown>) => w.logger.warn(message, extra ?? {});
let members: { token: string; fetch: GroupMembers } | undefined;
/** One cached client per bot token (the token is read with the secret, so it is known only per request). */
const groupMembers = (token: string | undefined): GroupMembers | undefined => {
  if (!token) return undefined;
  if (members?.token !== token) {
    members = { token, fetch: cachedMembers(slackGroupMembers(token, process.env.CAPSTAN_SLACK_API_URL || undefined)) };
  }
  return members.fetch;
};

/**
 * A refused button click's ephemeral answer (Slack shows nothing of the click's own answer). Within Slack's
 * 3 s: at most 1.5 s, then given up (logged) rather than miss the acknowledgement.
 */
const responseUrls = slackWebApi(undefined, async (url, init) => {
  if (!responseUrlAllowed(String(url), process.env.CAPSTAN_SLACK_API_URL || undefined)) {
    throw Object.assign(new Error("the response_url is not on Slack's hooks host"), { name: 'NotSlackResponseUrl' });
  }
  return fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(1500) });
});

const UNAVAILABLE: HttpAnswer = {
  status: 503,
  body: { error: 'unavailable', reason: 'capstan cannot take the request now; retry later' },
};
const COMMANDS = 'POST /hooks/slack/commands';
const MATTERMOST_COMMANDS = 'POST /hooks/mattermost/commands';
const MATTERMOST_ACTIONS = 'POST /hooks/mattermost/actions';
const TEAMS = 'POST /hooks/teams';

/**
 * Slack's slash command and interactivity request URLs, Mattermost's slash command and buttons, and Teams'
 * outgoing webhook (reads only): the body's size first, then Slack's signature (lib/chat/slack/verify.ts),
 * Mattermost's token or Teams' HMAC, the person's access (lib/access), and the event on its queue, answered
 * within Slack's 3 s. Only capstan's own failure (secret, table or queue unreachable) is a 5xx.
 */
export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const body = requestBody(event.body, event.isBase64Encoded, MAX_HOOK_BODY_BYTES);
  let answer: HttpAnswer;
  if (!body.ok) answer = body.answer;
  else {
    try {
      const s = await secret();
      const ports = tableChatPorts(w.db, {
        enqueue: w.deploy.enqueue,
        groupMembers: groupMembers(s.slack.botToken),
        respond: responseUrls.respond,
        warn,
      });
      const req = { rawBody: body.rawBody, headers: event.headers ?? {} };
      if (event.routeKey === MATTERMOST_COMMANDS)
        answer = await acceptMattermostCommand(req, s.mattermost.commandToken, ports);
      else if (event.routeKey === MATTERMOST_ACTIONS) answer = await acceptMattermostAction(req, s.actionKey, ports);
      else if (event.routeKey === TEAMS) answer = await acceptTeamsMessage(req, s.teams.securityToken, ports);
      else if (event.routeKey === COMMANDS) answer = await acceptSlackCommand(req, s.slack.signingSecret, ports);
      else answer = await acceptSlackInteraction(req, s.slack.signingSecret, ports);
    } catch (error) {
      w.logger.error('request failed', { route: event.routeKey, error: error as Error });
      answer = UNAVAILABLE;
    }
  }
  return httpResult(answer, event.routeKey, w.logger);
}).use(
  // Never the request itself: its body holds Slack's response_url, a capability for the conversation.
  injectLambdaContext(w.logger, { logEvent: false }),
);
