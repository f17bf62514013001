import { describe, expect, it } from 'vitest';
import type { CapstanEvent } from '../../events/index.ts';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import advance from '../../events/samples/release.advance.json' with { type: 'json' };
import check from '../../events/samples/rollout.check.json' with { type: 'json' };
import scaleCheck from '../../events/samples/scale.check.json' with { type: 'json' };
import { acceptEvent } from '../../lib/ingest/accept.ts';
import { MAX_EVENT_BODY_BYTES } from '../../lib/ingest/body.ts';
import { signBody } from '../../lib/sources/auth.ts';

const SECRET = 'ingest-secret-for-tests';

const call = async (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${SECRET}` }) => {
  const sent: CapstanEvent[] = [];
  const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
  const answer = await acceptEvent({ rawBody, headers }, SECRET, async (e) => {
    sent.push(e);
  });
  return { ...answer, sent };
};

describe('acceptEvent', () => {
  it('enqueues a valid, authenticated event and says where it went', async () => {
    const { status, body, sent } = await call(sample);
    expect(status).toBe(202);
    expect(body).toEqual({ accepted: sample.id, type: 'deploy.requested', queue: 'deploy' });
    expect(sent.map((e) => e.id)).toEqual([sample.id]);
  });

  it('accepts an HMAC-signed body instead of a bearer token', async () => {
    const raw = JSON.stringify(sample);
    const t = Math.floor(Date.now() / 1000);
    const { status } = await call(raw, { 'x-capstan-signature': `t=${t},v1=${signBody(SECRET, t, raw)}` });
    expect(status).toBe(202);
  });

  it.each([
    ['no credentials', sample, {}, 401, 'missing Authorization header'],
    ['a wrong token', sample, { authorization: 'Bearer nope' }, 401, 'invalid token'],
    [
      'a bad signature',
      sample,
      { 'x-capstan-signature': `t=${Math.floor(Date.now() / 1000)},v1=00` },
      401,
      'invalid signature',
    ],
    ['a body that is not JSON', '{oops', undefined, 400, 'invalid-json'],
    ['an invalid event', { ...sample, data: { ...sample.data, app: 'Bad App' } }, undefined, 400, 'data.app'],
    ['an unknown type', { ...sample, type: 'deploy.maybe' }, undefined, 400, 'unknown event type'],
    ['a forged internal scaling look', scaleCheck, undefined, 422, 'scale.check is sent by capstan itself only'],
    ['a forged internal release step', advance, undefined, 422, 'release.advance is sent by capstan itself only'],
    ['a forged internal rollout check', check, undefined, 422, 'rollout.check is sent by capstan itself only'],
    ['an oversized body', { ...sample, pad: 'x'.repeat(MAX_EVENT_BODY_BYTES) }, undefined, 413, 'too-large'],
  ])('refuses %s with %s and enqueues nothing', async (_name, body, headers, status, reason) => {
    const answer = await call(body, headers as Record<string, string> | undefined);
    expect(answer.status).toBe(status);
    expect(JSON.stringify(answer.body)).toContain(reason);
    expect(answer.sent).toEqual([]);
  });
});
