import { readFileSync } from 'node:fs';
import { type SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { type CapstanEvent, type EventType, eventTypes, parseEvent } from '../../events/index.ts';
import type { Config } from '../../lib/config.ts';
import { ContractError, InvalidInputError } from '../../lib/errors.ts';
import { enqueuer } from '../../lib/queue/send.ts';
import { functionNames, functions, queueNames } from '../../lib/topology.ts';
import { recordingQueue } from '../doubles/queue.ts';

// The queue double decides as the real enqueuer does (both through destinationOf): the use-case tests that
// send through it are refused what a function would be refused on AWS, and see the delays SQS would apply.

const sample = (type: EventType): CapstanEvent => {
  const parsed = parseEvent(
    JSON.parse(readFileSync(new URL(`../../events/samples/${type}.json`, import.meta.url), 'utf8')),
  );
  if (!parsed.ok) throw new Error(parsed.issues.join('; '));
  return parsed.event;
};

const config: Config = {
  tableName: 't',
  queueUrls: Object.fromEntries(queueNames.map((q) => [q, `http://127.0.0.1:1/${q}`])),
  dlqUrls: {},
};

/** A real SQS client whose requests stop before the network: the SendMessage inputs it was given. */
const capturingSqs = () => {
  const inputs: SendMessageCommandInput[] = [];
  const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } });
  sqs.middlewareStack.add(
    () => async (args) => {
      inputs.push(args.input as SendMessageCommandInput);
      return { output: { $metadata: {} }, response: {} };
    },
    { step: 'initialize' },
  );
  return { sqs, inputs };
};

type Outcome = { refused: string } | { queueUrl: string; groupId?: string; deduplicationId?: string; delay?: number };

const refusal = (error: unknown) =>
  `${error instanceof ContractError ? 'ContractError' : error instanceof InvalidInputError ? 'InvalidInputError' : 'other'}: ${(error as Error).message}`;

const byEnqueuer = async (sender: (typeof functionNames)[number], event: CapstanEvent, delaySeconds?: number) => {
  const { sqs, inputs } = capturingSqs();
  try {
    await enqueuer(sqs, config, sender)(event, { delaySeconds });
  } catch (error) {
    return { refused: refusal(error) };
  }
  const [input] = inputs;
  return {
    queueUrl: input?.QueueUrl ?? '',
    groupId: input?.MessageGroupId,
    deduplicationId: input?.MessageDeduplicationId,
    delay: input?.DelaySeconds,
  };
};

const byDouble = async (sender: (typeof functionNames)[number], event: CapstanEvent, delaySeconds?: number) => {
  const queue = recordingQueue(sender);
  try {
    await queue.enqueue(event, { delaySeconds });
  } catch (error) {
    expect(queue.sent).toEqual([]);
    return { refused: refusal(error) };
  }
  const [sent] = queue.sent;
  const to = sent?.destination;
  return {
    queueUrl: to ? (config.queueUrls[to.queue] ?? '') : '',
    groupId: to?.fifo ? to.groupId : undefined,
    deduplicationId: to?.fifo ? to.deduplicationId : undefined,
    delay: sent?.delaySeconds,
  };
};

const pairs = functionNames.flatMap((sender) => eventTypes.map((type) => ({ sender, type })));

describe('the queue double refuses and sends as the enqueuer does', () => {
  it.each(pairs)('$sender sending $type', async ({ sender, type }) => {
    const event = sample(type);
    const real: Outcome = await byEnqueuer(sender, event, 30);
    expect(await byDouble(sender, event, 30)).toEqual(real);
    // And what that is: sent exactly when the function emits the type.
    if ((functions[sender].emits as readonly string[]).includes(type)) expect(real).not.toHaveProperty('refused');
    else expect(real).toEqual({ refused: expect.stringMatching(/^(ContractError|InvalidInputError): /) });
  });

  it('refuses an unemitted type as a contract breach, in the same words', async () => {
    expect(await byDouble('deploy', sample('release.advance'))).toEqual({
      refused:
        'ContractError: function deploy may not send release.advance: it is not in functions.deploy.emits (lib/topology.ts)',
    });
  });

  it('records no delay for a FIFO queue, whatever was asked; a standard queue gets 0-900 s, rounded', async () => {
    const queue = recordingQueue('rollout');
    await queue.enqueue(sample('release.advance'), { delaySeconds: 30 });
    await queue.enqueue(sample('rollback.requested'));
    expect(queue.sent.map((s) => [s.destination.fifo, s.delaySeconds])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);
    expect(await byEnqueuer('rollout', sample('release.advance'), 30)).toMatchObject({ delay: undefined });

    const delays = [undefined, 2.4, -5, 1000];
    const recorded: (number | undefined)[] = [];
    for (const delaySeconds of delays) {
      const real = await byEnqueuer('rollout', sample('rollout.check'), delaySeconds);
      const double = await byDouble('rollout', sample('rollout.check'), delaySeconds);
      expect(double).toEqual(real);
      recorded.push((double as { delay?: number }).delay);
    }
    expect(recorded).toEqual([0, 2, 0, 900]);
  });
});
