import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { SlackIdentity, SlackSignIn } from '../dashboard/ports.ts';

/** Slack's OpenID issuer, as its discovery document and every ID token say. */
const ISSUER = 'https://slack.com';
const CLAIM = {
  team: 'https://slack.com/team_id',
  enterprise: 'https://slack.com/enterprise_id',
  user: 'https://slack.com/user_id',
};

export interface SlackOpenIdOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Slack's Web API (`https://slack.com/api/`); the token endpoint is its `openid.connect.token` method. */
  readonly apiUrl?: string;
  /** Where `authorize` and `keys` are (`https://slack.com/openid/connect/`). */
  readonly oidcUrl?: string;
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 && v.length <= 128 ? v : undefined;

/**
 * "Sign in with Slack" over Slack's documented OpenID Connect endpoints: the authorize page, the token
 * exchange through `@slack/web-api` (`openid.connect.token`, client_secret_post), and the ID token checked by
 * `jose` against Slack's published keys (RS256 only; issuer, audience, lifetime, nonce).
 */
export const slackOpenId = (o: SlackOpenIdOptions): SlackSignIn => {
  const oidc = o.oidcUrl ?? 'https://slack.com/openid/connect/';
  // A sign-in waits for Slack, inside the function's 10 s: one short try, no sleeping through a rate limit.
  // No retry either: once Slack has seen a code it is spent, and a retry could only be refused. WARN, not
  // debug: at debug level the client logs request bodies, and the client secret is one.
  const client = new WebClient(undefined, {
    slackApiUrl: o.apiUrl ?? 'https://slack.com/api/',
    timeout: 3000,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.WARN,
  });
  // Fetched on first use and when a token names a key it has not seen; cached per process.
  const keys = createRemoteJWKSet(new URL('keys', oidc), { timeoutDuration: 2000 });
  return {
    authorizeUrl: ({ state, nonce, redirectUri }) => {
      const url = new URL('authorize', oidc);
      url.search = new URLSearchParams({
        response_type: 'code',
        scope: 'openid profile',
        client_id: o.clientId,
        state,
        nonce,
        redirect_uri: redirectUri,
      }).toString();
      return url.toString();
    },
    identify: async ({ code, redirectUri, nonce }): Promise<SlackIdentity | undefined> => {
      let idToken: string | undefined;
      try {
        const answer = await client.openid.connect.token({
          client_id: o.clientId,
          client_secret: o.clientSecret,
          code,
          redirect_uri: redirectUri,
          grant_type: 'authorization_code',
        });
        idToken = answer.id_token;
      } catch (error) {
        // Slack's refusal (invalid_code, a code used twice, bad_redirect_uri): no sign-in, not an outage.
        if ((error as { code?: string }).code === ErrorCode.PlatformError) return undefined;
        throw error;
      }
      if (!idToken) return undefined;
      try {
        const { payload } = await jwtVerify(idToken, keys, {
          algorithms: ['RS256'],
          issuer: ISSUER,
          audience: o.clientId,
          requiredClaims: ['sub', 'exp', 'iat', 'nonce'],
          // Just issued for this sign-in: an old token (or one from the future) is no answer to it.
          maxTokenAge: '10m',
          clockTolerance: 30,
        });
        if (payload.nonce !== nonce) return undefined;
        // Issued to capstan alone (OpenID Core 3.1.3.7: with several audiences, `azp` must name the client).
        if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== o.clientId) return undefined;
        // A grid's people are known by the enterprise, as the chat edge knows them (events/requester.ts).
        const team = text(payload[CLAIM.enterprise]) ?? text(payload[CLAIM.team]);
        const user = text(payload[CLAIM.user]) ?? text(payload.sub);
        if (!team || !user) return undefined;
        const name = text(payload.name);
        return { team, user, ...(name ? { name } : {}) };
      } catch (error) {
        // Slack's keys out of reach is an outage (retry later), not a bad token.
        if (error instanceof errors.JWKSTimeout) throw error;
        if (error instanceof errors.JOSEError) return undefined;
        throw error;
      }
    },
  };
};
