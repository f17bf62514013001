import type { Context, SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import { type DeployRequested, DeployRequestedEventSchema } from '../../events/deploy-requested.ts';
import { SCHEMA_VERSION } from '../../events/envelope.ts';
import { type RolloutCheck, RolloutCheckEventSchema } from '../../events/rollout-check.ts';
import { releaseToEnvironment } from '../../lib/deploy/use-cases/release.ts';
import {
  ClusterCredentialsError,
  ClusterUnavailableError,
  ConflictError,
  InvalidInputError,
} from '../../lib/errors.ts';
import { oncePerEvent } from '../../lib/lambda/idempotency.ts';
import type { Envelope } from '../../lib/lambda/refuse.ts';
import { sqsConsumer } from '../../lib/lambda/sqs-consumer.ts';
import type { Reason } from '../../lib/reasons.ts';
import { UNROUTED_APP } from '../../lib/store/ports.ts';
import { queues } from '../../lib/topology.ts';
import { recordingDeadLetter } from '../doubles/dead-letter.ts';
import { testDeploy } from '../doubles/deploy-deps.ts';
import { deployRequested } from '../doubles/events.ts';
import { MemoryPersistenceLayer } from '../doubles/idempotency.ts';
import { CapturingLogger } from '../doubles/logger.ts';
import { memoryReceipts } from '../doubles/receipts.ts';
import { memoryStore } from '../doubles/store.ts';

/** What a producer might send that must never reach the logs. */
const SECRET = 'S3CRET-do-not-log';
const TIME = '2026-12-01T10:00:00.000Z';
const SENT_AT = Date.parse('2026-12-01T10:00:01.000Z');

const lambdaContext = (remainingMs = 30_000): Context => ({
  functionName: 'capstan-deploy',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:capstan-deploy',
  memoryLimitInMB: '512',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/capstan-deploy',
  logStreamName: 's',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => remainingMs,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

interface Delivery {
  /** ApproximateReceiveCount: 1 on the first delivery. */
  readonly receives?: number;
  /** MessageGroupId, on a FIFO queue. */
  readonly group?: string;
}

/** One SQS message as Lambda hands it over. */
const sqsRecord = (messageId: string, body: string, d: Delivery = {}): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body,
  attributes: {
    ApproximateReceiveCount: String(d.receives ?? 1),
    SentTimestamp: String(SENT_AT),
    SenderId: 'AIDA',
    ApproximateFirstReceiveTimestamp: String(SENT_AT),
    ...(d.group ? { MessageGroupId: d.group, MessageDeduplicationId: messageId } : {}),
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:1:capstan-deploy.fifo',
  awsRegion: 'eu-west-1',
});

/** A deploy request as a producer sends it, with a secret among its env values; `data` may break it. */
const deployBody = (id: string, data: Record<string, unknown> = {}) => {
  const event = deployRequested(id, TIME, { env: { TOKEN: SECRET } });
  return JSON.stringify({ ...event, data: { ...event.data, ...data } });
};

const rolloutCheck = (id: string): RolloutCheck =>
  RolloutCheckEventSchema.parse({
    specversion: '1.0',
    id,
    type: 'rollout.check',
    source: 'capstan/deploy',
    time: TIME,
    schemaversion: SCHEMA_VERSION,
    data: {
      app: 'hello',
      environment: 'staging',
      revision: 1,
      cluster: 'c1',
      namespace: 'demo',
      deployment: 'hello',
      generation: 1,
      attempt: 0,
      deadline: '2026-12-01T10:10:00.000Z',
    },
  });

/**
 * The real consumer (middy, Powertools batch and idempotency) on the doubles: the deploy queue (FIFO) with
 * deploy requests, or the rollout queue (standard) with rollout checks. `handle` is the use case; it
 * answers `{ handled: <id> }` unless told otherwise. Two Lambda instances of one function are two
 * consumers on one `persistence` (one table): one process runs one invocation at a time, as Lambda and
 * lib/runtime/function-host.ts do (the batch processor keeps the state of the batch it runs).
 */
const consumerOn = <S extends z.ZodType<Envelope>>(
  queue: 'deploy' | 'rollout',
  schema: S,
  handle: (event: z.infer<S>) => Promise<unknown>,
  persistence = new MemoryPersistenceLayer(),
) => {
  const db = memoryStore();
  const receipts = memoryReceipts();
  const dlq = recordingDeadLetter();
  const logger = new CapturingLogger();
  const rejected: { id: string; why: Reason }[] = [];
  const use = vi.fn(handle);
  const handler = sqsConsumer({
    queue,
    persistence,
    history: db.store.history,
    receipts: receipts.receipts,
    deadLetter: dlq.deadLetter,
    logger,
    name: queue,
    schema,
    handle: use,
    onReject: async (event, why) => void rejected.push({ id: event.id, why }),
  });
  /** One invocation: the ids of the records reported failed (to be redelivered). */
  const invoke = async (records: SQSRecord[], context = lambdaContext()) =>
    (await handler({ Records: records }, context)).batchItemFailures.map((f) => f.itemIdentifier);
  /** The ids of the events the use case was run with, in order. */
  const ran = () => use.mock.calls.map(([event]) => event.id);
  return { invoke, use, ran, persistence, db, receipts, dlq, logger, rejected };
};

const deployConsumer = (handle: (event: DeployRequested) => Promise<unknown> = async (e) => ({ handled: e.id })) =>
  consumerOn('deploy', DeployRequestedEventSchema, handle);
const rolloutConsumer = (
  handle: (event: RolloutCheck) => Promise<unknown> = async (e) => ({ handled: e.id }),
  persistence?: MemoryPersistenceLayer,
) => consumerOn('rollout', RolloutCheckEventSchema, handle, persistence);

/** A use case failing with `error` the first `times` times it runs, then answering. */
const failing = (error: Error, times = Number.POSITIVE_INFINITY) => {
  let runs = 0;
  return async (e: { id: string }) => {
    runs += 1;
    if (runs <= times) throw error;
    return { handled: e.id, runs };
  };
};

const MAX = queues.rollout.maxReceiveCount;

describe('the consumer on its ports', () => {
  it('runs a valid event once, reports no failure, and keeps its result', async () => {
    const c = deployConsumer();
    expect(await c.invoke([sqsRecord('m1', deployBody('e1'), { group: 'hello/staging' })])).toEqual([]);
    expect(c.ran()).toEqual(['e1']);
    expect(c.use.mock.calls[0]?.[0]).toEqual(deployRequested('e1', TIME, { env: { TOKEN: SECRET } }));
    expect(c.receipts.asked).toEqual(['e1']);
    expect(c.persistence.records()).toEqual([
      expect.objectContaining({ status: 'COMPLETED', responseData: { handled: 'e1' } }),
    ]);
    expect(c.dlq.sent).toEqual([]);
    expect(c.rejected).toEqual([]);
  });

  it('runs a duplicate delivery of an event (another message, the same event id) once, answered from the record', async () => {
    const c = deployConsumer();
    expect(await c.invoke([sqsRecord('m1', deployBody('e1'), { group: 'g' })])).toEqual([]);
    expect(await c.invoke([sqsRecord('m2', deployBody('e1'), { group: 'g' })])).toEqual([]);
    // Twice in one batch of one group too: the second waits for the first, then finds it done.
    expect(
      await c.invoke([
        sqsRecord('m3', deployBody('e2'), { group: 'g' }),
        sqsRecord('m4', deployBody('e2'), { group: 'g' }),
      ]),
    ).toEqual([]);
    expect(c.ran()).toEqual(['e1', 'e2']);
    expect(c.persistence.found.map((r) => [r.status, r.responseData])).toEqual([
      ['COMPLETED', { handled: 'e1' }],
      ['COMPLETED', { handled: 'e2' }],
    ]);
    // Every delivery reads the same receipt, so its history lands on its twin's keys.
    expect(c.receipts.asked).toEqual(['e1', 'e1', 'e2', 'e2']);
    expect(c.dlq.sent).toEqual([]);
  });

  it('answers a duplicate with the stored result (oncePerEvent)', async () => {
    const persistence = new MemoryPersistenceLayer();
    const handle = vi.fn(async (e: { id: string }) => ({ handled: e.id, at: TIME, clusters: ['c1', 'c2'] }));
    const once = oncePerEvent({ name: 'deploy', handle, persistence });
    once.registerContext(lambdaContext());
    const first = await once.handle({ id: 'e1' });
    const second = await once.handle({ id: 'e1' });
    expect(second).toEqual(first);
    expect(second).not.toBe(first); // read back from the record, not the same object
    expect(handle).toHaveBeenCalledTimes(1);
    // Another function keys its records apart: the same event id runs there too.
    const other = vi.fn(async () => 'rollout');
    const rollout = oncePerEvent({ name: 'rollout', handle: other, persistence: new MemoryPersistenceLayer() });
    rollout.registerContext(lambdaContext());
    await rollout.handle({ id: 'e1' });
    expect(other).toHaveBeenCalledTimes(1);
  });

  it('refuses a body that is not JSON to the DLQ as invalid, filed under the unrouted pseudo-app', async () => {
    const c = deployConsumer();
    const body = `{"id":"e1","data":{"app":"hello","env":{"TOKEN":"${SECRET}"}}`; // cut short
    expect(await c.invoke([sqsRecord('m1', body, { group: 'g' })])).toEqual([]);
    expect(c.dlq.sent).toEqual([
      { messageId: 'm1', body, code: 'invalid', reason: 'message body is not JSON', group: 'g' },
    ]);
    expect(c.db.history(UNROUTED_APP)).toEqual([
      expect.objectContaining({
        eventId: 'sqs-m1',
        eventType: 'unknown',
        action: 'receive',
        outcome: 'refused',
        code: 'invalid',
        eventTime: new Date(SENT_AT).toISOString(),
        details: { queue: 'deploy', messageId: 'm1' },
      }),
    ]);
    expect(c.db.history('hello')).toEqual([]);
    expect(c.ran()).toEqual([]);
    expect(c.rejected).toEqual([]); // not a valid event: nothing of it to fail
    expect(c.persistence.records()).toEqual([]);
  });

  it('refuses a schema-invalid event to the DLQ as invalid, filed under the app it names', async () => {
    const c = deployConsumer();
    const body = deployBody('e1', { replicas: 'many', image: 'not a ref' });
    expect(await c.invoke([sqsRecord('m1', body, { group: 'g' })])).toEqual([]);
    expect(c.dlq.lines()).toEqual(['m1 invalid']);
    expect(c.dlq.sent[0]?.body).toBe(body);
    expect(c.dlq.sent[0]?.reason).toMatch(/^invalid event: data\.image: .*; data\.replicas: /);
    expect(c.db.history('hello')).toEqual([
      expect.objectContaining({
        eventId: 'e1',
        eventType: 'deploy.requested',
        environment: 'staging',
        action: 'receive',
        outcome: 'refused',
        code: 'invalid',
        eventTime: TIME,
      }),
    ]);
    expect(c.ran()).toEqual([]);
    expect(c.receipts.asked).toEqual([]);
  });

  it('files an invalid event that names no app (or no id) under the unrouted pseudo-app', async () => {
    const c = deployConsumer();
    const noApp = JSON.stringify({ id: 'e1', type: 'deploy.requested', time: TIME, data: { app: 'Not A Name' } });
    const noId = JSON.stringify({ type: 'deploy.requested', time: TIME, data: { app: 'hello' } });
    expect(await c.invoke([sqsRecord('m1', noApp, { group: 'g' }), sqsRecord('m2', noId, { group: 'g' })])).toEqual([]);
    expect(c.dlq.lines()).toEqual(['m1 invalid', 'm2 invalid']);
    expect(c.db.history(UNROUTED_APP).map((e) => [e.eventId, e.outcome, e.code])).toEqual([
      ['e1', 'refused', 'invalid'],
      ['sqs-m2', 'refused', 'invalid'],
    ]);
    expect(c.db.history('hello')).toEqual([]);
    expect(c.ran()).toEqual([]);
  });

  it('leaves a retryable failure to SQS until the last receive, then gives it up as gave-up', async () => {
    const c = rolloutConsumer(failing(new ClusterUnavailableError('c1', 'connection refused')));
    const body = JSON.stringify(rolloutCheck('e1'));
    for (let receives = 1; receives < MAX; receives++) {
      expect(await c.invoke([sqsRecord('m1', body, { receives })])).toEqual(['m1']);
    }
    expect(c.dlq.sent).toEqual([]);
    expect(c.rejected).toEqual([]);
    expect(c.db.history('hello')).toEqual([]);

    expect(await c.invoke([sqsRecord('m1', body, { receives: MAX })])).toEqual([]);
    const why = { code: 'gave-up', reason: `gave up after ${MAX} attempts: cluster c1: connection refused` };
    expect(c.dlq.sent).toEqual([{ messageId: 'm1', body, ...why }]);
    expect(c.rejected).toEqual([{ id: 'e1', why }]);
    expect(c.db.history('hello')).toEqual([
      expect.objectContaining({ eventId: 'e1', cluster: 'c1', outcome: 'refused', ...why }),
    ]);
    expect(c.ran()).toEqual(Array(MAX).fill('e1'));
  });

  it.each<[string, Error, string]>([
    ['invalid input', new InvalidInputError('app hello is not registered'), 'invalid'],
    ['unusable credentials', new ClusterCredentialsError('c1', 'kubeconfig /x cannot be read'), 'credentials'],
  ])('gives a terminal error (%s) up at once, with its code', async (_what, error, code) => {
    const c = rolloutConsumer(failing(error));
    const body = JSON.stringify(rolloutCheck('e1'));
    expect(await c.invoke([sqsRecord('m1', body)])).toEqual([]);
    expect(c.dlq.sent).toEqual([{ messageId: 'm1', body, code, reason: error.message }]);
    expect(c.rejected).toEqual([{ id: 'e1', why: { code, reason: error.message } }]);
    expect(c.db.history('hello').map((e) => [e.outcome, e.code])).toEqual([['refused', code]]);
    expect(c.ran()).toEqual(['e1']);
    // Given up, not done: no completed record stands in for it.
    expect(c.persistence.records()).toEqual([]);
  });

  it('FIFO: a failed record fails the rest of its group, not the other groups', async () => {
    const c = deployConsumer(async (e) => {
      if (e.id === 'a1') throw new ConflictError('lost a race');
      return { handled: e.id };
    });
    const batch = [
      sqsRecord('ma1', deployBody('a1'), { group: 'a' }),
      sqsRecord('mb1', deployBody('b1'), { group: 'b' }),
      sqsRecord('ma2', deployBody('a2'), { group: 'a' }),
      sqsRecord('mb2', deployBody('b2'), { group: 'b' }),
    ];
    expect(await c.invoke(batch)).toEqual(['ma1', 'ma2']);
    expect(c.ran()).toEqual(['a1', 'b1', 'b2']);
    expect(c.dlq.sent).toEqual([]);
  });

  it('FIFO: a record given up for good does not hold back the rest of its group', async () => {
    const c = deployConsumer(async (e) => {
      if (e.id === 'a1') throw new InvalidInputError('no such app');
      return { handled: e.id };
    });
    const batch = [
      sqsRecord('ma1', deployBody('a1'), { group: 'a' }),
      sqsRecord('ma2', deployBody('a2'), { group: 'a' }),
    ];
    expect(await c.invoke(batch)).toEqual([]);
    expect(c.ran()).toEqual(['a1', 'a2']);
    expect(c.dlq.sent.map((s) => [s.messageId, s.code, s.group])).toEqual([['ma1', 'invalid', 'a']]);
  });

  it('a failed run leaves no idempotency record, so the redelivery runs it again', async () => {
    const c = rolloutConsumer(failing(new ClusterUnavailableError('c1', 'timeout'), 1));
    const body = JSON.stringify(rolloutCheck('e1'));
    expect(await c.invoke([sqsRecord('m1', body, { receives: 1 })])).toEqual(['m1']);
    expect(c.persistence.records()).toEqual([]);
    expect(await c.invoke([sqsRecord('m1', body, { receives: 2 })])).toEqual([]);
    expect(c.ran()).toEqual(['e1', 'e1']);
    expect(c.persistence.records()).toEqual([
      expect.objectContaining({ status: 'COMPLETED', responseData: { handled: 'e1', runs: 2 } }),
    ]);
  });

  it('retries a twin of an event still running elsewhere, even at the last receive, and lets the first finish', async () => {
    let finish: (result: unknown) => void = () => {};
    const one = rolloutConsumer(() => new Promise((done) => (finish = done)));
    const other = rolloutConsumer(undefined, one.persistence);
    const body = JSON.stringify(rolloutCheck('e1'));
    const first = one.invoke([sqsRecord('m1', body)]);
    await vi.waitFor(() => expect(one.ran()).toEqual(['e1']));
    expect(await other.invoke([sqsRecord('m2', body, { receives: MAX })])).toEqual(['m2']);
    expect(other.ran()).toEqual([]);
    expect(other.dlq.sent).toEqual([]);
    expect(other.rejected).toEqual([]);
    finish({ handled: 'e1' });
    expect(await first).toEqual([]);
    expect(one.persistence.records()).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
  });

  it('runs again an event whose first run timed out (its in-progress record expired)', async () => {
    const stuck = rolloutConsumer(() => new Promise(() => {})); // its use case never returns
    const body = JSON.stringify(rolloutCheck('e1'));
    // 60 ms left: middy answers early (its timeout), as Lambda would stop the invocation.
    const first = stuck.invoke([sqsRecord('m1', body)], lambdaContext(60));
    await expect(first).rejects.toThrow(/aborted/);
    await new Promise((r) => setTimeout(r, 10));
    const next = rolloutConsumer(undefined, stuck.persistence);
    expect(await next.invoke([sqsRecord('m1', body, { receives: 2 })])).toEqual([]);
    expect(stuck.ran()).toEqual(['e1']);
    expect(next.ran()).toEqual(['e1']);
  });

  it('logs no part of what a producer sent', async () => {
    const c = deployConsumer(async (e) => {
      if (e.id === 'retry') throw new ClusterUnavailableError('c1', 'down');
      if (e.id === 'terminal') throw new InvalidInputError('app hello is not registered');
      return { handled: e.id };
    });
    const bodies = [
      deployBody('ok'),
      deployBody('retry'),
      deployBody('terminal'),
      deployBody('invalid', { replicas: SECRET }),
      `not json ${SECRET}`,
    ];
    const failed = await c.invoke(
      bodies.map((b, i) =>
        sqsRecord(`m${i}`, b, { group: `g${i}`, receives: i === 1 ? 1 : queues.deploy.maxReceiveCount }),
      ),
    );
    expect(failed).toEqual(['m1']);
    expect(c.dlq.lines()).toEqual(['m2 invalid', 'm3 invalid', 'm4 invalid']);
    const logged = c.logger.lines.join('\n');
    expect(c.logger.lines.length).toBeGreaterThanOrEqual(4); // a retry and three refusals
    expect(logged).not.toContain(SECRET);
    for (const body of bodies) expect(logged).not.toContain(body);
    // What is logged instead: the message id, the code, the reason, and the invocation (injectLambdaContext).
    expect(c.logger.entries()).toContainEqual(
      expect.objectContaining({
        message: 'message refused to the dead-letter queue',
        messageId: 'm3',
        code: 'invalid',
      }),
    );
    expect(c.logger.entries()).toContainEqual(
      expect.objectContaining({ message: 'will retry', messageId: 'm1', function_request_id: 'req-1' }),
    );
  });
});

describe('findings', () => {
  // Found with the doubles: POWERTOOLS_LOGGER_LOG_EVENT, set on a function, once logged every event whole.
  it('logs no body even when POWERTOOLS_LOGGER_LOG_EVENT is set', async () => {
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
    try {
      const c = deployConsumer(); // its logger is made now, reading the variable
      expect(await c.invoke([sqsRecord('m1', deployBody('e1'), { group: 'g' })])).toEqual([]);
      expect(c.logger.lines.join('\n')).not.toContain(SECRET);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('the deploy consumer with the release use case, all on doubles', () => {
  it('a deploy request delivered twice makes one release, applied once; its summary is what the record keeps', async () => {
    const t = testDeploy();
    await t.db.seed.cluster({ name: 'c1', environment: 'staging' });
    const persistence = new MemoryPersistenceLayer();
    const dlq = recordingDeadLetter();
    const handler = sqsConsumer({
      queue: 'deploy',
      persistence,
      history: t.deps.store.history,
      receipts: memoryReceipts().receipts,
      deadLetter: dlq.deadLetter,
      logger: new CapturingLogger(),
      name: 'deploy',
      schema: DeployRequestedEventSchema,
      handle: (event) => releaseToEnvironment(event, t.deps),
    });
    const body = JSON.stringify(deployRequested('e1', TIME));
    const group = 'hello/staging';
    for (const id of ['m1', 'm2']) {
      const { batchItemFailures } = await handler({ Records: [sqsRecord(id, body, { group })] }, lambdaContext());
      expect(batchItemFailures).toEqual([]);
    }
    expect(t.db.releases('hello', 'staging').map((r) => r.revision)).toEqual([1]);
    expect(t.kube.applies.map((a) => a.cluster)).toEqual(['c1']);
    expect(dlq.sent).toEqual([]);
    // The summary is stored as DynamoDB would store it (no undefined inside): the duplicate was answered from it.
    expect(persistence.found).toEqual([
      expect.objectContaining({
        status: 'COMPLETED',
        responseData: expect.objectContaining({ app: 'hello', environment: 'staging', revision: 1 }),
      }),
    ]);
  });
});
