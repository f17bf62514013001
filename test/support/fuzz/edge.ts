import { randomBytes } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadHandler } from '../../../lib/runtime/handlers.ts';
import { type HttpHandler, serveRoutes } from '../../../lib/runtime/http.ts';
import { lambdaContext } from '../../../lib/runtime/lambda-context.ts';
import { ensureQueues, type QueueUrls } from '../../../lib/runtime/resources.ts';
import { env, functions, type QueueName } from '../../../lib/topology.ts';

export interface FuzzEdge {
  readonly url: string;
  readonly token: string;
  readonly sqs: SQSClient;
  readonly queues: Record<QueueName, QueueUrls>;
  stop(): Promise<void>;
}

/**
 * Only the HTTP edge of a runtime: the real ingest handler behind the real local server (serveRoutes), sending to
 * real ElasticMQ queues of their own (prefix), with no consumer, so every message it enqueues is still there to be
 * counted. The environment is what `capstan up` gives the ingest function.
 */
export const startFuzzEdge = async (sqsEndpoint: string, prefix: string): Promise<FuzzEdge> => {
  process.env.AWS_ENDPOINT_URL_SQS = sqsEndpoint;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'capstanlocal';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'capstanlocal';
  // Refusals are the point here; the handler's warning for each would bury the report.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const sqs = new SQSClient({ endpoint: sqsEndpoint });
  const queues = await ensureQueues(sqs, prefix);
  process.env[env.table] = `${prefix}-table`;
  for (const [q, urls] of Object.entries(queues)) {
    process.env[env.queueUrl(q as QueueName)] = urls.url;
    process.env[env.dlqUrl(q as QueueName)] = urls.dlqUrl;
  }
  const token = randomBytes(24).toString('base64url');
  process.env[env.ingestToken] = token;
  const spec = functions.ingest;
  const handler = await loadHandler<HttpHandler>('ingest');
  const context = () => lambdaContext('capstan-ingest', spec.timeoutSeconds);
  const http = await serveRoutes(
    spec.routes.map((r) => ({ ...r, handler, context })),
    0,
  );
  return {
    url: http.url,
    token,
    sqs,
    queues,
    stop: async () => {
      await http.stop();
      sqs.destroy();
    },
  };
};
