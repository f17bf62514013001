import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type Refused, refusal } from './decisions/refusals.ts';

/**
 * Asymmetric algorithms only: never `none`, never an HMAC one (its "key" would be the issuer's public JWK,
 * which anybody has). GitHub and GitLab sign with RS256.
 */
export const CI_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384'];
/** Clocks of CI runners and of capstan drift a little; a minute is the skew forgiven on exp, iat and nbf. */
export const CLOCK_SKEW_SECONDS = 60;

export interface TokenCheck {
  readonly issuer: string;
  readonly audience: string;
  /** The issuer's keys (./key-sets.ts). */
  readonly keys: JWTVerifyGetKey;
  readonly now: Date;
}

export type VerifiedClaims = JWTPayload & { readonly iss: string; readonly jti: string; readonly exp: number };
export type Verified = { readonly ok: true; readonly claims: VerifiedClaims } | Refused;

/**
 * A CI ID token checked with jose: signature by a key of the issuer's JWKS with an allowed algorithm, the
 * exact issuer, capstan's audience, exp/iat/nbf with a small skew, and the claims a request needs (`jti`
 * for replay, `exp` for how long to remember it). What the token gets wrong is a refusal; the issuer's JWKS
 * being unreachable is capstan's own trouble and is thrown (a 503 the job may retry).
 */
export const verifyCiToken = async (token: string, check: TokenCheck): Promise<Verified> => {
  try {
    const { payload } = await jwtVerify(token, check.keys, {
      algorithms: CI_TOKEN_ALGORITHMS,
      issuer: check.issuer,
      audience: check.audience,
      clockTolerance: CLOCK_SKEW_SECONDS,
      currentDate: check.now,
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
    });
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
      return refusal('claims', 'jti');
    }
    return { ok: true, claims: payload as VerifiedClaims };
  } catch (error) {
    const refused = refusalOf(error);
    if (refused) return refused;
    throw error;
  }
};

const refusalOf = (error: unknown): Refused | undefined => {
  if (error instanceof errors.JWTExpired) return refusal('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return refusal('wrong-audience');
    if (error.claim === 'iss') return refusal('issuer-not-allowed');
    if ((error.claim === 'iat' || error.claim === 'nbf') && error.reason === 'check_failed') {
      return refusal('not-yet-valid');
    }
    return refusal('claims', error.claim);
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSEAlgNotAllowed ||
    error instanceof errors.JOSENotSupported
  ) {
    return refusal('bad-signature');
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return refusal('not-a-token');
  return undefined;
};
