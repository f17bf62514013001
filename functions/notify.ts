import { ChatNotifyEventSchema } from '../events/chat-notify.ts';
import { chatSecret } from '../lib/chat/secret.ts';
import { sqsConsumer } from '../lib/lambda/sqs-consumer.ts';
import { consumerPorts, wire } from '../lib/lambda/wiring.ts';
import { dynamoMessages, dynamoNotifyReads } from '../lib/notify/dynamo.ts';
import { notifyRequest } from '../lib/notify/notify-request.ts';
import type { NotifyDeps } from '../lib/notify/ports.ts';
import { slackWebApi } from '../lib/notify/slack.ts';

const w = wire('notify');
const secret = chatSecret(w.secrets);

const deps: NotifyDeps = {
  reads: dynamoNotifyReads(w.db),
  messages: dynamoMessages(w.db),
  slack: slackWebApi(process.env.CAPSTAN_SLACK_API_URL || undefined),
  botToken: async () => (await secret()).slack.botToken,
  now: () => new Date(),
  publicUrl: process.env.CAPSTAN_PUBLIC_URL || undefined,
  log: (message, details) => w.logger.info(message, details ?? {}),
};

/** chat.notify -> the request's one Slack message, posted once then updated from the table's state. */
export const handler = sqsConsumer({
  ...consumerPorts(w, 'notify'),
  name: 'notify',
  schema: ChatNotifyEventSchema,
  handle: (event) => notifyRequest(event, deps),
});
