import type { ImageProducer } from '../../events/index.ts';
import type { AuthResult } from './auth.ts';
import { normalizeDistribution, verifyDistribution } from './distribution.ts';
import { normalizeDockerhub, verifyDockerhub } from './dockerhub.ts';
import { normalizeEcr, verifyEcr } from './ecr.ts';
import { decodeGhcrBody, normalizeGhcr, verifyGhcr } from './ghcr.ts';
import { normalizeHarbor, verifyHarbor } from './harbor.ts';
import { readJson } from './payload.ts';
import type { Headers, Normalized, SourceRequest } from './types.ts';

export type { Headers, Ignored, Normalized, SourceRequest } from './types.ts';

/**
 * Every registry capstan hears from, in one list, so the HTTP edge (and the ECR queue consumer) are wired from
 * it and cannot miss a check. The edge's order is fixed: `verify` on the raw body, then `decode`, then
 * `normalize`; a failed verify is a 401 with its reason, an `InvalidInputError` from decode or normalize a 400.
 */
export interface ImageSource {
  readonly name: Exclude<ImageProducer, 'generic'>;
  /**
   * `http`: a webhook on `route` (API Gateway path syntax; `{secret}` is handed to verify as `pathSecret`).
   * `eventbridge-sqs`: no route; the body of each SQS message is the payload, authenticated by IAM.
   */
  readonly transport: 'http' | 'eventbridge-sqs';
  readonly route?: string;
  /** Content types the producer sends, for a 415 on anything else. */
  readonly contentTypes: readonly string[];
  readonly verify: (request: SourceRequest, secret: string) => AuthResult;
  readonly decode: (rawBody: string, headers: Headers) => unknown;
  readonly normalize: (payload: unknown, receivedAt: Date, headers?: Headers) => Normalized;
}

export const imageSources: readonly ImageSource[] = [
  {
    name: 'distribution',
    transport: 'http',
    route: '/hooks/distribution',
    contentTypes: [
      'application/vnd.docker.distribution.events.v1+json',
      'application/vnd.docker.distribution.events.v2+json',
      'application/json',
    ],
    verify: verifyDistribution,
    decode: (rawBody) => readJson('distribution', rawBody),
    normalize: normalizeDistribution,
  },
  {
    name: 'harbor',
    transport: 'http',
    route: '/hooks/harbor',
    contentTypes: ['application/json', 'application/cloudevents+json'],
    verify: verifyHarbor,
    decode: (rawBody) => readJson('harbor', rawBody),
    normalize: normalizeHarbor,
  },
  {
    name: 'ecr',
    transport: 'eventbridge-sqs',
    contentTypes: ['application/json'],
    verify: verifyEcr,
    decode: (rawBody) => readJson('ecr', rawBody),
    normalize: normalizeEcr,
  },
  {
    name: 'dockerhub',
    transport: 'http',
    route: '/hooks/dockerhub/{secret}',
    contentTypes: ['application/json'],
    verify: verifyDockerhub,
    decode: (rawBody) => readJson('dockerhub', rawBody),
    normalize: normalizeDockerhub,
  },
  {
    name: 'ghcr',
    transport: 'http',
    route: '/hooks/ghcr',
    contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
    verify: verifyGhcr,
    decode: decodeGhcrBody,
    normalize: normalizeGhcr,
  },
];

export const imageSource = (name: string): ImageSource | undefined => imageSources.find((s) => s.name === name);
