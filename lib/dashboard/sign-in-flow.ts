import { timingSafeEqual } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { cookieValue, setCookie } from './session.ts';

/**
 * A sign-in through Slack in flight: the `state` and `nonce` capstan sent to Slack's authorize page, kept in
 * the browser that asked (a cookie, signed with the session key under its own audience, so it can never pass
 * for a session nor a session for it) until Slack sends that browser back. `SameSite=Lax`, unlike the
 * session: the way back is a top-level navigation from slack.com, and a Strict cookie would not come with it.
 * Only sent to the callback's path, and gone after ten minutes or one use.
 */
export const FLOW_COOKIE = 'capstan_signin';
export const FLOW_SECONDS = 600;
const FLOW_PATH = '/signin/slack';
const ISSUER = 'capstan';
const AUDIENCE = 'capstan-dashboard-sign-in';

export interface SignInFlow {
  readonly state: string;
  readonly nonce: string;
}

export const signFlow = (key: Uint8Array, flow: SignInFlow, now: Date): Promise<string> => {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ state: flow.state, nonce: flow.nonce })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + FLOW_SECONDS)
    .sign(key);
};

export const verifyFlow = async (key: Uint8Array, token: string, now: Date): Promise<SignInFlow | undefined> => {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: now,
      requiredClaims: ['exp', 'iat'],
    });
    const { state, nonce } = payload;
    return typeof state === 'string' && typeof nonce === 'string' ? { state, nonce } : undefined;
  } catch (error) {
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
};

export const flowCookie = (token: string, o: { readonly secure: boolean; readonly maxAgeSeconds?: number }) =>
  setCookie(FLOW_COOKIE, token, {
    sameSite: 'Lax',
    path: FLOW_PATH,
    maxAgeSeconds: o.maxAgeSeconds ?? FLOW_SECONDS,
    secure: o.secure,
  });

export const flowTokenOf = (cookies: readonly string[] | undefined): string | undefined =>
  cookieValue(cookies, FLOW_COOKIE);

/** Whether the state Slack sent back is the one this browser's flow holds, compared in constant time. */
export const sameState = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};
