import { decodeJwt, type JWTVerifyGetKey } from 'jose';
import { eventId } from '../../events/index.ts';
import { requesterText } from '../../events/requester.ts';
import type { AppSpec } from '../apps/spec.ts';
import { type CiDeployBody, CiDeployBodySchema } from '../ci/body.ts';
import { admitCi } from '../ci/decisions/admit.ts';
import { CI_REFUSALS, type Refused, refusal } from '../ci/decisions/refusals.ts';
import { CLOCK_SKEW_SECONDS, verifyCiToken } from '../ci/verify.ts';
import { messageOf } from '../errors.ts';
import type { Enqueue } from '../queue/send.ts';
import { buildRequestEvent } from '../requests/envelope.ts';
import { header } from '../sources/types.ts';
import { type HttpAnswer, tooLarge } from './answer.ts';
import { MAX_EVENT_BODY_BYTES } from './body.ts';

/** What the CI route reads and does, each behind one function (the table's in lib/store, keys in lib/ci/key-sets.ts). */
export interface CiPorts {
  readonly appSpec: (app: string) => Promise<AppSpec | undefined>;
  readonly keys: (issuer: string) => Promise<JWTVerifyGetKey>;
  /** False when the token id was used already (lib/store/token-ids.ts). */
  readonly useTokenId: (issuer: string, jti: string, expiresAt: number) => Promise<boolean>;
  readonly forgetTokenId: (issuer: string, jti: string) => Promise<void>;
  readonly enqueue: Enqueue;
  /** The audience capstan's tokens must name (CAPSTAN_OIDC_AUDIENCE, default `capstan`). */
  readonly audience: string;
  readonly now: () => Date;
}

export interface CiRequest {
  readonly rawBody: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export const CI_DEPLOY_ROUTE = '/ci/deploy';

const refused = (r: Refused): HttpAnswer => ({
  status: CI_REFUSALS[r.code].status,
  body: { error: CI_REFUSALS[r.code].status === 401 ? 'unauthorized' : 'forbidden', code: r.code, reason: r.reason },
});

const bearerOf = (headers: CiRequest['headers']): string | undefined => {
  const m = /^Bearer\s+(\S+)$/i.exec(header(headers, 'authorization') ?? '');
  return m?.[1];
};

/**
 * POST /ci/deploy: a deploy request from a CI job that proves who it is with its OIDC ID token (issue 13)
 * instead of the shared ingest token. Checked in order, each refusal a 4xx naming why and enqueueing
 * nothing: the body, the environment's `ci` entries (only issuers named there are ever contacted), the
 * token (./verify.ts), the job (./admit.ts), then the token's one use. The event id is the token's, so a
 * request is one release whatever happens after; the requester on the release is the job.
 */
export const acceptCiDeploy = async (req: CiRequest, ports: CiPorts): Promise<HttpAnswer> => {
  if (Buffer.byteLength(req.rawBody) > MAX_EVENT_BODY_BYTES) return tooLarge(MAX_EVENT_BODY_BYTES);
  const token = bearerOf(req.headers);
  if (!token) return refused(refusal('no-token'));
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody);
  } catch (error) {
    return { status: 400, body: { error: 'invalid-json', reason: messageOf(error) } };
  }
  const body = CiDeployBodySchema.safeParse(json);
  if (!body.success) {
    const issues = body.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    return { status: 400, body: { error: 'invalid-body', issues } };
  }
  const { app, environment } = body.data;
  const spec = await ports.appSpec(app);
  const allows = spec?.environments[environment]?.ci ?? [];
  // The same answer for an unknown app: nobody learns which apps exist before proving who they are.
  if (!spec || allows.length === 0) return refused(refusal('not-allowed-here', `${app} in ${environment}`));

  let issuer: unknown;
  try {
    issuer = decodeJwt(token).iss;
  } catch {
    return refused(refusal('not-a-token'));
  }
  if (typeof issuer !== 'string' || !allows.some((a) => a.issuer === issuer)) {
    return refused(refusal('issuer-not-allowed', String(issuer)));
  }
  const now = ports.now();
  const verified = await verifyCiToken(token, {
    issuer,
    audience: ports.audience,
    keys: await ports.keys(issuer),
    now,
  });
  if (!verified.ok) return refused(verified);
  const admitted = admitCi(verified.claims, allows);
  if (!admitted.ok) return refused(admitted);

  const image = imageOf(body.data, spec);
  if (!image.ok) return { status: 400, body: { error: 'invalid-body', issues: [image.reason] } };
  const id = eventId(['ci-deploy', issuer, verified.claims.jti]);
  const built = buildRequestEvent({
    id,
    type: 'deploy.requested',
    source: `capstan/ci/${admitted.requester.kind === 'ci' ? admitted.requester.provider : 'ci'}`,
    subject: `${app}/${environment}`,
    time: now,
    data: {
      app,
      environment,
      image: image.value,
      ...(body.data.container ? { container: body.data.container } : {}),
      dryRun: body.data.dryRun,
      requester: admitted.requester,
      requestedBy: requesterText(admitted.requester),
      reason: body.data.reason ?? 'asked by a CI job',
    },
  });
  if (!built.ok) return { status: 400, body: { error: 'invalid-event', issues: built.issues } };

  if (!(await ports.useTokenId(issuer, verified.claims.jti, verified.claims.exp + CLOCK_SKEW_SECONDS))) {
    return refused(refusal('replayed'));
  }
  try {
    await ports.enqueue(built.event);
  } catch (error) {
    // Not taken after all: the job's retry with the same token must not be refused as a replay.
    await ports.forgetTokenId(issuer, verified.claims.jti).catch(() => undefined);
    throw error;
  }
  return {
    status: 202,
    body: { accepted: id, type: 'deploy.requested', requester: requesterText(admitted.requester) },
  };
};

/** The image the request names, or its tag in the repository of the container it is for. */
const imageOf = (b: CiDeployBody, spec: AppSpec): { ok: true; value: string } | { ok: false; reason: string } => {
  if (b.image) return { ok: true, value: b.image };
  const container = b.container ? spec.containers.find((c) => c.name === b.container) : spec.containers[0];
  if (!container) return { ok: false, reason: `container: ${spec.name} has no container ${b.container}` };
  return { ok: true, value: `${container.repository}:${b.tag}` };
};
