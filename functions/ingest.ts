import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { acceptEvent } from '../lib/ingest/accept.ts';
import { acceptHook } from '../lib/ingest/hook.ts';
import { hookSecret } from '../lib/ingest/hook-secret.ts';
import { ingestSecret } from '../lib/ingest/secret.ts';
import { wire } from '../lib/lambda/wiring.ts';
import { imageSources } from '../lib/sources/index.ts';

const w = wire('ingest');
const secret = ingestSecret(w.secrets);

/**
 * POST /events: authenticated, validated events from CI, bots and automation go onto their queue.
 * POST /hooks/<registry>: a registry's own webhook, verified its way with its own secret (hook-secret.ts),
 * becomes image.pushed events.
 */
export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const rawBody = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const source = imageSources.find((s) => s.route && event.routeKey === `POST ${s.route}`);
  const answer = source
    ? await acceptHook(
        source,
        { rawBody, headers: event.headers, pathSecret: event.pathParameters?.secret },
        hookSecret(await secret(), source.name),
        w.deploy.enqueue,
      )
    : await acceptEvent({ rawBody, headers: event.headers }, await secret(), w.deploy.enqueue);
  // The route key, never the path: Docker Hub's path holds its secret.
  if (answer.status >= 400) {
    w.logger.warn('request refused', { route: event.routeKey, status: answer.status, body: answer.body });
  }
  return {
    statusCode: answer.status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(answer.body),
  };
}).use(injectLambdaContext(w.logger));
