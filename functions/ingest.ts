import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { acceptEvent } from '../lib/ingest/accept.ts';
import { ingestSecret } from '../lib/ingest/secret.ts';
import { wire } from '../lib/lambda/wiring.ts';

const w = wire();
const secret = ingestSecret(w.secrets);

/** POST /events: authenticated, validated events from CI, bots and automation go onto their queue. */
export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const rawBody = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const answer = await acceptEvent({ rawBody, headers: event.headers }, await secret(), w.deploy.enqueue);
  if (answer.status >= 400) w.logger.warn('request refused', { status: answer.status, body: answer.body });
  return {
    statusCode: answer.status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(answer.body),
  };
}).use(injectLambdaContext(w.logger));
