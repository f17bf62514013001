import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { type GrantResource, isGranted } from '../contract.ts';
import {
  type FunctionName,
  functionNames,
  type QueueName,
  queueName,
  queueNames,
  table as tableSpec,
} from '../topology.ts';

/**
 * IAM, locally: a loopback proxy in front of ElasticMQ or DynamoDB Local that lets a function's request
 * through only if its role on AWS would allow it (lib/contract.ts), and otherwise answers AccessDenied as
 * AWS does. Each function signs its requests with credentials of its own (`functionCredentials`); the
 * gate reads the access key id from the SigV4 Authorization header. It guards against drift between the
 * code and the stack, not against a hostile caller: signatures are not verified, and the upstream must be
 * an emulator that takes any credentials (DynamoDB Local, ElasticMQ, LocalStack), never AWS itself.
 */

export type GatedService = 'sqs' | 'dynamodb';

export interface GateOptions {
  readonly service: GatedService;
  /** The emulator's endpoint, e.g. http://127.0.0.1:41235 */
  readonly upstream: string;
  /** Prefix of the local table and queue names (lib/topology.ts `queueName`). */
  readonly prefix: string;
  readonly table: string;
  readonly region: string;
  /** Told of every refusal, as CloudTrail would record it. */
  readonly onDenied: (denial: Denial) => void;
}

export interface Denial {
  readonly fn: FunctionName | undefined;
  readonly action: string;
  readonly resource: string;
}

export interface Gate {
  readonly url: string;
  /** The same queue URL, through this gate (the SDK sends SQS requests to the queue URL's host). */
  readonly viaGate: (queueUrl: string) => string;
  stop(): Promise<void>;
}

/** Access keys DynamoDB Local accepts: letters and digits only. */
export const functionCredentials = (name: FunctionName) => ({
  accessKeyId: `capstan${name}`,
  secretAccessKey: `capstan${name}local`,
});

const callerOf = (authorization: string | undefined): FunctionName | undefined => {
  const key = /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
  return functionNames.find((name) => functionCredentials(name).accessKeyId === key);
};

/** One request can need several permissions (a batch, a transaction): each is checked. */
interface Need {
  readonly action: string;
  /** Undefined: a resource capstan's contract never grants (another table or queue, or `*`). */
  readonly resource: GrantResource | undefined;
  readonly name: string;
}

const sqsNeeds = (target: string, body: Record<string, unknown>, prefix: string): Need[] => {
  const operation = target.replace(/^AmazonSQS\./, '');
  // Batch calls are authorized by the single-message action.
  const action = `sqs:${operation.replace(/Batch$/, '')}`;
  const name =
    typeof body.QueueUrl === 'string'
      ? (body.QueueUrl.split('/').pop() ?? '')
      : typeof body.QueueName === 'string'
        ? body.QueueName
        : '*';
  const match = queueNames
    .flatMap((queue) => [false, true].map((dlq) => ({ queue, dlq })))
    .find(({ queue, dlq }) => queueName(prefix, queue as QueueName, dlq) === name);
  return [{ action, name, resource: match ? { kind: 'queue', ...match } : undefined }];
};

const transactActions: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

const dynamodbNeeds = (target: string, body: Record<string, unknown>, table: string): Need[] => {
  const operation = target.replace(/^DynamoDB_\d+\./, '');
  // A table may be named by its ARN; only the topology's indexes are granted (no `index/*`).
  const onTable = (action: string, name: unknown, index?: unknown): Need => {
    const plain = String(name ?? '*').replace(/^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\//, '');
    const indexed = index === undefined || tableSpec.indexes.some((i) => i.name === index);
    return {
      action,
      name: index === undefined ? plain : `${plain}/index/${String(index)}`,
      resource: plain === table && indexed ? { kind: 'table' } : undefined,
    };
  };
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    const items = Array.isArray(body.TransactItems)
      ? (body.TransactItems as Record<string, { TableName?: string }>[])
      : [];
    return items.flatMap((item) =>
      Object.entries(item).map(([kind, op]) => onTable(transactActions[kind] ?? `dynamodb:${kind}`, op?.TableName)),
    );
  }
  if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
    const tables = Object.keys((body.RequestItems ?? {}) as object);
    return (tables.length ? tables : ['*']).map((name) => onTable(`dynamodb:${operation}`, name));
  }
  return [onTable(`dynamodb:${operation}`, body.TableName, body.IndexName)];
};

/** SQS answers that carry queue URLs. */
const rewritesQueueUrls = (target: string) =>
  [
    'AmazonSQS.GetQueueUrl',
    'AmazonSQS.CreateQueue',
    'AmazonSQS.ListQueues',
    'AmazonSQS.ListDeadLetterSourceQueues',
  ].includes(target);

const readAll = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const accessDenied = (service: GatedService, region: string, fn: FunctionName | undefined, need: Need) => {
  const who = fn ? `arn:aws:sts::000000000000:assumed-role/capstan-${fn}/capstan-${fn}` : 'an unknown caller';
  const resource =
    service === 'sqs'
      ? `arn:aws:sqs:${region}:000000000000:${need.name}`
      : `arn:aws:dynamodb:${region}:000000000000:table/${need.name}`;
  return {
    resource,
    body: JSON.stringify({
      __type: 'com.amazon.coral.service#AccessDeniedException',
      message: `User: ${who} is not authorized to perform: ${need.action} on resource: ${resource} because no identity-based policy allows the ${need.action} action (capstan local IAM, lib/contract.ts)`,
    }),
  };
};

export const startIamGate = async (o: GateOptions): Promise<Gate> => {
  const upstream = new URL(o.upstream);
  let gateUrl = '';
  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readAll(req);
      const fn = callerOf(req.headers.authorization);
      const target = String(req.headers['x-amz-target'] ?? '');
      let parsed: Record<string, unknown> = {};
      try {
        parsed = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        // Not JSON: no resource can be named, so nothing is granted below.
      }
      const needs = o.service === 'sqs' ? sqsNeeds(target, parsed, o.prefix) : dynamodbNeeds(target, parsed, o.table);
      const refused = needs.find((n) => !fn || !n.resource || !isGranted(fn, n.action, n.resource));
      if (refused) {
        const denied = accessDenied(o.service, o.region, fn, refused);
        o.onDenied({ fn, action: refused.action, resource: denied.resource });
        res.writeHead(400, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-query-error': 'AccessDenied;Sender',
        });
        res.end(denied.body);
        return;
      }
      const forwarded = (upstream.protocol === 'https:' ? httpsRequest : httpRequest)(
        {
          protocol: upstream.protocol,
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        async (answer) => {
          if (!rewritesQueueUrls(target)) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            // A broken upstream answer breaks the caller's too, instead of leaving it waiting.
            pipeline(answer, res, (error) => error && res.destroy(error));
            return;
          }
          // Queue URLs the emulator hands out point at itself; through the gate they stay behind it.
          const text = (await readAll(answer)).toString('utf8').replaceAll(upstream.origin, gateUrl);
          const { 'content-length': _length, ...headers } = answer.headers;
          res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': Buffer.byteLength(text) });
          res.end(text);
        },
      );
      forwarded.on('error', (error) => {
        // The emulator is down: the SDK sees a connection failure, as it would from AWS's endpoint.
        res.destroy(error);
      });
      // A caller that goes away (a long poll aborted) takes its upstream request with it.
      res.on('close', () => forwarded.destroy());
      forwarded.end(body);
    } catch (error) {
      res.destroy(error as Error);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  gateUrl = url;
  return {
    url,
    viaGate: (queueUrl) => {
      const u = new URL(queueUrl);
      return `${url}${u.pathname}`;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
