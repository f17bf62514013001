import type { Enqueue } from '../queue/send.ts';
import type { ImageSource } from '../sources/index.ts';

/**
 * A registry event that arrives on a queue (ECR through an EventBridge rule): IAM already authenticated it,
 * so it is decoded, normalized and its tag pushes enqueued as image.pushed. Throws InvalidInputError for a
 * body that can never become an event, which the consumer sends to the DLQ with the reason.
 */
export const acceptQueued = async (source: ImageSource, body: string, enqueue: Enqueue, now = new Date()) => {
  const normalized = source.normalize(source.decode(body, {}), now);
  for (const event of normalized.events) await enqueue(event);
  return { accepted: normalized.events.map((e) => e.id), ignored: normalized.ignored.map((i) => i.reason) };
};
