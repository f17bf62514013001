import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CapstanEvent, parseEvent } from '../../events/index.ts';
import { sqsId, sqsMessageBody } from '../../lib/queue/send.ts';

const sample = (name: string): CapstanEvent => {
  const parsed = parseEvent(
    JSON.parse(readFileSync(new URL(`../../events/samples/${name}.json`, import.meta.url), 'utf8')),
  );
  if (!parsed.ok) throw new Error(parsed.issues.join('; '));
  return parsed.event;
};

// Characters SQS accepts in a message body: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
const SQS_BODY = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;

// Found by the webhook fuzz (test/integration/fuzz.test.ts): each of these made SendMessage fail, which the edge
// answered 500 for a valid request.
describe('what the enqueuer sends is what SQS accepts', () => {
  it('U+FFFE and U+FFFF in a field are JSON escapes in the body, and parse back to the same event', () => {
    const event = sample('deploy.requested');
    if (event.type !== 'deploy.requested') throw new Error('sample is not a deploy.requested');
    const odd = { ...event, data: { ...event.data, reason: 'a\uffffb\ufffe \ud800 \u0001 \u{1F600}' } };
    const body = sqsMessageBody(odd);
    expect(body).toMatch(SQS_BODY);
    expect(JSON.parse(body)).toEqual(odd);
  });

  it('a message group id over 128 characters (registry + repository) is hashed, deterministically', () => {
    const group = `image#${'r'.repeat(100)}.example.com/${'a'.repeat(100)}`;
    expect(sqsId(group)).toMatch(/^[0-9a-f]{64}$/);
    expect(sqsId(group)).toBe(sqsId(group));
    expect(sqsId('image#ghcr.io/acme/api')).toBe('image#ghcr.io/acme/api');
    expect(sqsId('id with spaces')).toMatch(/^[0-9a-f]{64}$/);
  });
});
