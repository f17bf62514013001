/**
 * Why the CI route refused a request: one stable code per reason with its HTTP status and the words for
 * the job's log. 401: the token proves nothing (bad, expired, replayed, not for capstan); 403: it proves a
 * job that may not release here.
 */
export const CI_REFUSALS = {
  'no-token': { status: 401, text: 'send the CI job\'s OIDC ID token as "Authorization: Bearer <token>"' },
  'not-a-token': { status: 401, text: 'the bearer credential is not a signed JWT' },
  'not-allowed-here': {
    status: 403,
    text: 'no CI job may request releases of this app in this environment: its spec has no `ci` entry',
  },
  'issuer-not-allowed': { status: 401, text: "the token's issuer is not one the environment's `ci` entries name" },
  'bad-signature': {
    status: 401,
    text: "the token is not signed by a key of its issuer's JWKS, with an allowed algorithm",
  },
  expired: { status: 401, text: 'the token has expired' },
  'not-yet-valid': { status: 401, text: 'the token is not valid yet (iat or nbf in the future)' },
  'wrong-audience': { status: 401, text: "the token is not for capstan: ask for it with capstan's audience" },
  claims: { status: 401, text: 'the token lacks a claim capstan needs' },
  replayed: { status: 401, text: 'this token (its jti) was used already: each request needs a fresh ID token' },
  'pull-request': { status: 403, text: 'a pull or merge request job never releases' },
  'other-repository': { status: 403, text: 'the repository (by its immutable id) is not allowed here' },
  'other-ref': { status: 403, text: 'the ref is not one allowed here' },
  'other-environment': { status: 403, text: "the job's CI environment is not the one allowed here" },
  'other-workflow': { status: 403, text: 'the deploy workflow (job_workflow_ref) is not the one allowed here' },
} as const satisfies Record<string, { status: 401 | 403; text: string }>;
export type CiRefusal = keyof typeof CI_REFUSALS;

/** A refusal with its code, the general text and what this request did. */
export interface Refused {
  readonly ok: false;
  readonly code: CiRefusal;
  readonly reason: string;
}

export const refusal = (code: CiRefusal, detail?: string): Refused => ({
  ok: false,
  code,
  reason: detail ? `${CI_REFUSALS[code].text}: ${detail}` : CI_REFUSALS[code].text,
});
