import { z } from 'zod';
import { ChatNotifyEventSchema } from '../events/chat-notify.ts';
import { OpsNotifyEventSchema } from '../events/ops-notify.ts';
import { chatSecret } from '../lib/chat/secret.ts';
import { sqsConsumer } from '../lib/lambda/sqs-consumer.ts';
import { consumerPorts, wire } from '../lib/lambda/wiring.ts';
import { mattermostApi } from '../lib/notify/mattermost.ts';
import { notifyOps } from '../lib/notify/notify-ops.ts';
import { notifyRequest } from '../lib/notify/notify-request.ts';
import type { NotifyDeps } from '../lib/notify/ports.ts';
import { slackWebApi } from '../lib/notify/slack.ts';
import { chatMessages } from '../lib/store/chat-messages.ts';
import { chatOrigin } from '../lib/store/chat-origins.ts';
import { environmentPolicy } from '../lib/store/environments.ts';
import { notifyChannelOf, refusalOf, releaseApprovalOf } from '../lib/store/notify-reads.ts';

const w = wire('notify');
const secret = chatSecret(w.secrets);

const deps: NotifyDeps = {
  reads: {
    revisionOfEvent: (app, environment, id) => w.deploy.store.releases.revisionOfEvent(app, environment, id),
    release: (app, environment, revision) => w.deploy.store.releases.get(app, environment, revision),
    recentReleases: (app, environment, limit) => w.deploy.store.releases.list(app, environment, limit),
    approval: (app, environment, request) => releaseApprovalOf(w.db, app, environment, request),
    refusal: (app, environment, request) => refusalOf(w.db, app, environment, request),
    notifyChannel: (app, environment) => notifyChannelOf(w.db, app, environment),
    environmentChannel: async (environment) => (await environmentPolicy(w.db, environment)).notifyChannel,
    origin: (request) => chatOrigin(w.db, request),
  },
  messages: chatMessages(w.db),
  slack: slackWebApi(process.env.CAPSTAN_SLACK_API_URL || undefined),
  botToken: async () => (await secret()).slack.botToken,
  mattermost: {
    api: (url) => mattermostApi(url),
    credentials: async () => {
      const s = await secret();
      return { url: s.mattermost.url, botToken: s.mattermost.botToken, actionKey: s.actionKey };
    },
  },
  now: () => new Date(),
  publicUrl: process.env.CAPSTAN_PUBLIC_URL || undefined,
  log: (message, details) => w.logger.info(message, details ?? {}),
};

const NoticeSchema = z.discriminatedUnion('type', [ChatNotifyEventSchema, OpsNotifyEventSchema]);

/**
 * chat.notify -> the request's one Slack (or Mattermost) message, posted once then updated from the table's
 * state; ops.notify -> one message telling a step of healing or scaling, posted once.
 */
export const handler = sqsConsumer({
  ...consumerPorts(w, 'notify'),
  name: 'notify',
  schema: NoticeSchema,
  handle: (event) => (event.type === 'ops.notify' ? notifyOps(event, deps) : notifyRequest(event, deps)),
});
