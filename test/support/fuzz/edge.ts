import { randomBytes } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startFunctionHost } from '../../../lib/runtime/function-host.ts';
import { type HttpHandler, serveRoutes } from '../../../lib/runtime/http.ts';
import { type Denial, startIamGate } from '../../../lib/runtime/iam-gate.ts';
import { localEnvironment } from '../../../lib/runtime/local-environment.ts';
import { ensureQueues, type QueueUrls } from '../../../lib/runtime/resources.ts';
import { functions, type QueueName } from '../../../lib/topology.ts';

const adminCredentials = { accessKeyId: 'capstanlocal', secretAccessKey: 'capstanlocal' };

export interface FuzzEdge {
  readonly url: string;
  readonly token: string;
  readonly sqs: SQSClient;
  readonly queues: Record<QueueName, QueueUrls>;
  /** What the local IAM gate refused the ingest function: a missing grant, never expected. */
  readonly denied: readonly Denial[];
  stop(): Promise<void>;
}

/**
 * Only the HTTP edge of a runtime: the real ingest handler behind the real local server (serveRoutes), sending to
 * real ElasticMQ queues of their own (prefix), with no consumer, so every message it enqueues is still there to be
 * counted. The ingest function runs as `capstan up` runs it: in its own worker, with its own environment, behind
 * the local IAM gate.
 */
export const startFuzzEdge = async (
  endpoints: { readonly sqs: string; readonly dynamodb: string },
  prefix: string,
): Promise<FuzzEdge> => {
  const region = 'us-east-1';
  const sqs = new SQSClient({ endpoint: endpoints.sqs, region, credentials: adminCredentials });
  const queues = await ensureQueues(sqs, prefix);
  const table = `${prefix}-table`;
  const denied: Denial[] = [];
  const onDenied = (d: Denial) => denied.push(d);
  const [sqsGate, dynamodbGate] = await Promise.all([
    startIamGate({ service: 'sqs', upstream: endpoints.sqs, prefix, table, region, onDenied }),
    startIamGate({ service: 'dynamodb', upstream: endpoints.dynamodb, prefix, table, region, onDenied }),
  ]);
  const token = randomBytes(24).toString('base64url');
  // Refusals are the point here; the handler's warning for each would bury the report.
  const operator = { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' };
  const resources = { table, queues, sqsGate, dynamodbGate, ingestToken: token, chatSecret: '{}', region };
  const host = await startFunctionHost('ingest', localEnvironment('ingest', resources, operator), { concurrency: 4 });
  const spec = functions.ingest;
  const handler: HttpHandler = (event) => host.invoke(event);
  const http = await serveRoutes(
    spec.routes.map((r) => ({ ...r, handler })),
    0,
  );
  return {
    url: http.url,
    token,
    sqs,
    queues,
    denied,
    stop: async () => {
      await http.stop();
      await host.stop();
      await Promise.all([sqsGate.stop(), dynamodbGate.stop()]);
      sqs.destroy();
    },
  };
};
