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

describe('identities the ingest token may name (issue 13)', () => {
  const slack = { kind: 'slack', workspace: 'T0001', user: 'U0001', name: 'alice' };
  const ci = {
    kind: 'ci',
    provider: 'github',
    issuer: 'https://token.actions.githubusercontent.com',
    repository: 'acme/shop',
    repositoryId: '42',
    ref: 'refs/heads/main',
    subject: 'repo:acme/shop:ref:refs/heads/main',
  };
  const withRequester = (requester: unknown) => ({ ...sample, data: { ...sample.data, requester } });

  it.each([
    ['cli', { kind: 'cli', user: 'alice' }],
    ['token', { kind: 'token' }],
  ])('accepts a %s requester', async (_, requester) => {
    const { status, sent } = await call(withRequester(requester));
    expect(status).toBe(202);
    expect(sent).toHaveLength(1);
  });

  it.each([
    ['slack', slack],
    ['ci', ci],
  ])('refuses a %s requester it cannot prove, and enqueues nothing', async (kind, requester) => {
    const { status, body, sent } = await call(withRequester(requester));
    expect(status).toBe(403);
    expect(JSON.stringify(body)).toContain(`not ${kind}`);
    expect(sent).toEqual([]);
  });

  it("refuses a vote in a chat person's name", async () => {
    const vote = {
      specversion: '1.0',
      id: 'vote-1',
      type: 'approval.vote',
      source: 'test',
      time: '2026-12-02T12:00:00Z',
      schemaversion: '1',
      data: {
        app: 'checkout',
        environment: 'production',
        approval: 'a1',
        decision: 'approve',
        voter: slack,
        via: 'slack',
      },
    };
    const { status, sent } = await call(vote);
    // Refused before routing would matter: the voter is claimed.
    expect(status).toBe(403);
    expect(sent).toEqual([]);
  });
});
