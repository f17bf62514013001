import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * The dashboard's session: a JWT signed with capstan's own key (HS256; only capstan signs and checks it)
 * in an HttpOnly, SameSite=Strict cookie, so page scripts cannot read it and no other site can send it.
 * It names who signed in (a principal, as approvals count people: events/requester.ts principalOf) and
 * lasts a working day; nothing else is in it, and nothing in it is a secret.
 */
export const SESSION_COOKIE = 'capstan_session';
export const SESSION_SECONDS = 12 * 3600;
const ISSUER = 'capstan';
const AUDIENCE = 'capstan-dashboard';
/** HS256 wants a key at least as long as its hash. */
export const MIN_KEY_BYTES = 32;

export interface Session {
  readonly principal: string;
  readonly name?: string;
  readonly expiresAt: string;
}

const checkedKey = (key: Uint8Array): Uint8Array => {
  if (key.byteLength < MIN_KEY_BYTES) throw new Error(`the session key must be at least ${MIN_KEY_BYTES} bytes`);
  return key;
};

export const signSession = async (
  key: Uint8Array,
  who: { readonly principal: string; readonly name?: string },
  now: Date,
  seconds = SESSION_SECONDS,
): Promise<string> => {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ ...(who.name ? { name: who.name } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(who.principal)
    .setIssuedAt(iat)
    .setExpirationTime(iat + seconds)
    .sign(checkedKey(key));
};

/** The session a token proves, or undefined: a token forged, tampered, expired or not capstan's proves none. */
export const verifySession = async (key: Uint8Array, token: string, now: Date): Promise<Session | undefined> => {
  try {
    const { payload } = await jwtVerify(token, checkedKey(key), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: now,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    return {
      principal: payload.sub as string,
      ...(typeof payload.name === 'string' ? { name: payload.name } : {}),
      expiresAt: new Date((payload.exp as number) * 1000).toISOString(),
    };
  } catch (error) {
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
};

/**
 * A Set-Cookie value capstan sets: HttpOnly always; `Secure` unless capstan is served over plain http on
 * loopback (the local runtime), where browsers would drop a Secure cookie.
 */
export const setCookie = (
  name: string,
  value: string,
  o: {
    readonly sameSite: 'Strict' | 'Lax';
    readonly path: string;
    readonly maxAgeSeconds: number;
    readonly secure: boolean;
  },
) =>
  [
    `${name}=${value}`,
    'HttpOnly',
    `SameSite=${o.sameSite}`,
    `Path=${o.path}`,
    `Max-Age=${o.maxAgeSeconds}`,
    ...(o.secure ? ['Secure'] : []),
  ].join('; ');

/** The value of cookie `name` among a request's cookies (payload 2.0 `cookies`); the first wins, as browsers send it. */
export const cookieValue = (cookies: readonly string[] | undefined, name: string): string | undefined => {
  const prefix = `${name}=`;
  const value = cookies?.find((c) => c.startsWith(prefix))?.slice(prefix.length);
  return value ? value : undefined;
};

/** The Set-Cookie value of a session. */
export const sessionCookie = (token: string, o: { readonly secure: boolean; readonly maxAgeSeconds?: number }) =>
  setCookie(SESSION_COOKIE, token, {
    sameSite: 'Strict',
    path: '/',
    maxAgeSeconds: o.maxAgeSeconds ?? SESSION_SECONDS,
    secure: o.secure,
  });

/** The cookie that signs out: the same name, emptied, expired. */
export const signedOutCookie = (o: { readonly secure: boolean }) => sessionCookie('', { ...o, maxAgeSeconds: 0 });

/** The session token among a request's cookies. */
export const sessionTokenOf = (cookies: readonly string[] | undefined): string | undefined =>
  cookieValue(cookies, SESSION_COOKIE);
