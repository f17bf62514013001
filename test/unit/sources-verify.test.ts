import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH, signHubBody } from '../../lib/sources/auth.ts';
import { verifyDistribution } from '../../lib/sources/distribution.ts';
import { verifyDockerhub } from '../../lib/sources/dockerhub.ts';
import { verifyEcr } from '../../lib/sources/ecr.ts';
import { verifyGhcr } from '../../lib/sources/ghcr.ts';
import { verifyHarbor } from '../../lib/sources/harbor.ts';
import { imageSources } from '../../lib/sources/index.ts';
import type { SourceRequest } from '../../lib/sources/types.ts';

const SECRET = 'k3XbV9qLw2Rr7TzN4pYd';
const HARBOR_HEADER = `Bearer ${SECRET}`;
const GH_BODY = readFileSync(new URL('../fixtures/sources/ghcr-published.json', import.meta.url), 'utf8');
const signed = (body: string, secret = SECRET) => `sha256=${signHubBody(secret, body)}`;
const req = (headers: SourceRequest['headers'], extra: Partial<SourceRequest> = {}): SourceRequest => ({
  headers,
  rawBody: '{"events":[]}',
  ...extra,
});

type Verify = (request: SourceRequest, secret: string) => { ok: boolean; reason?: string };

const cases: readonly [string, Verify, SourceRequest, string, string | undefined][] = [
  // Distribution: the operator's static `Authorization: Bearer <token>` header.
  ['distribution ok', verifyDistribution, req({ authorization: `Bearer ${SECRET}` }), SECRET, undefined],
  ['distribution header any case', verifyDistribution, req({ Authorization: `Bearer ${SECRET}` }), SECRET, undefined],
  [
    'distribution wrong token',
    verifyDistribution,
    req({ authorization: 'Bearer nope-nope-nope-nope' }),
    SECRET,
    'invalid token',
  ],
  ['distribution missing header', verifyDistribution, req({}), SECRET, 'missing Authorization header'],
  [
    'distribution no secret configured',
    verifyDistribution,
    req({ authorization: 'Bearer x' }),
    '',
    'no secret configured',
  ],
  // Harbor: the policy's Auth Header arrives verbatim as Authorization; capstan hands verify the route's
  // secret, exactly as functions/ingest.ts does, and the user pastes `Bearer <secret>`.
  ['harbor ok', verifyHarbor, req({ authorization: HARBOR_HEADER }), SECRET, undefined],
  ['harbor header any case', verifyHarbor, req({ Authorization: HARBOR_HEADER }), SECRET, undefined],
  ['harbor wrong value', verifyHarbor, req({ authorization: `Bearer ${SECRET}x` }), SECRET, 'invalid token'],
  [
    'harbor secret without its scheme',
    verifyHarbor,
    req({ authorization: SECRET }),
    SECRET,
    'set the webhook policy\'s Auth Header to "Bearer <secret>"',
  ],
  ['harbor missing header', verifyHarbor, req({}), SECRET, 'missing Authorization header'],
  ['harbor no secret configured', verifyHarbor, req({ authorization: 'Bearer ' }), '', 'no secret configured'],
  // Docker Hub: nothing but the secret path segment.
  ['docker hub ok', verifyDockerhub, req({}, { pathSecret: SECRET }), SECRET, undefined],
  [
    'docker hub wrong segment',
    verifyDockerhub,
    req({}, { pathSecret: SECRET.toUpperCase() }),
    SECRET,
    'invalid secret path segment',
  ],
  ['docker hub no segment', verifyDockerhub, req({}), SECRET, 'missing secret path segment'],
  ['docker hub empty secret both sides', verifyDockerhub, req({}, { pathSecret: '' }), '', 'no secret configured'],
  // GHCR: HMAC-SHA256 of the raw body.
  ['ghcr ok', verifyGhcr, req({ 'x-hub-signature-256': signed(GH_BODY) }, { rawBody: GH_BODY }), SECRET, undefined],
  [
    'ghcr uppercase hex',
    verifyGhcr,
    req({ 'X-Hub-Signature-256': signed(GH_BODY).toUpperCase().replace('SHA256=', 'sha256=') }, { rawBody: GH_BODY }),
    SECRET,
    undefined,
  ],
  [
    'ghcr tampered body',
    verifyGhcr,
    req({ 'x-hub-signature-256': signed(GH_BODY) }, { rawBody: GH_BODY.replace('v1.2.3', 'v9.9.9') }),
    SECRET,
    'invalid signature',
  ],
  [
    'ghcr another secret',
    verifyGhcr,
    req({ 'x-hub-signature-256': signed(GH_BODY, 'another-secret-value') }, { rawBody: GH_BODY }),
    SECRET,
    'invalid signature',
  ],
  [
    'ghcr sha1 header only',
    verifyGhcr,
    req({ 'x-hub-signature': 'sha1=0123456789abcdef0123456789abcdef01234567' }, { rawBody: GH_BODY }),
    SECRET,
    'missing X-Hub-Signature-256 header',
  ],
  [
    'ghcr malformed header',
    verifyGhcr,
    req({ 'x-hub-signature-256': 'sha256=xyz' }, { rawBody: GH_BODY }),
    SECRET,
    'must be "sha256=<64 hex>"',
  ],
  // ECR has no HTTP door at all.
  ['ecr over http', verifyEcr, req({ authorization: `Bearer ${SECRET}` }), SECRET, 'never over HTTP'],
];

describe('source verifiers', () => {
  it.each(cases)('%s', (_name, verify, request, secret, reason) => {
    const result = verify(request, secret);
    expect(result.ok).toBe(reason === undefined);
    if (reason !== undefined) expect(result.reason).toContain(reason);
  });

  it.each(imageSources.map((s) => [s.name, s] as const))(
    '%s refuses every request while its secret is shorter than the minimum',
    (_name, source) => {
      const weak = 'x'.repeat(MIN_SECRET_LENGTH - 1);
      const request: SourceRequest = {
        headers: { authorization: `Bearer ${weak}`, 'x-hub-signature-256': signed('{}', weak) },
        rawBody: '{}',
        pathSecret: weak,
      };
      expect(source.verify(request, weak).ok).toBe(false);
    },
  );
});
