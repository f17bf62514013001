import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface LocalIssuer {
  /** `http://127.0.0.1:<port>`: the tokens' `iss`, and where its discovery document is. */
  readonly issuer: string;
  /** A token signed with the issuer's key (RS256, kid `k1`), valid for 5 minutes unless the claims say. */
  readonly sign: (claims: Record<string, unknown>) => Promise<string>;
  /** How many times its JWKS was fetched: jose caches it. */
  readonly jwksFetches: () => number;
  readonly close: () => Promise<void>;
}

/**
 * An OpenID issuer on loopback as a CI provider runs one: `/.well-known/openid-configuration` naming its
 * `jwks_uri`, and the JWKS with the public half of a real RSA key. Tokens are signed with the private half
 * by real jose, exactly as GitHub Actions or GitLab sign their ID tokens.
 */
export const startLocalIssuer = async (): Promise<LocalIssuer> => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  let fetches = 0;
  let issuer = '';
  const server = createServer((req, res) => {
    const send = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      return send({ issuer, jwks_uri: `${issuer}/.well-known/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
    }
    if (req.url === '/.well-known/jwks') {
      fetches++;
      return send({ keys: [jwk] });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const now = () => Math.floor(Date.now() / 1000);
  return {
    issuer,
    sign: (claims) =>
      new SignJWT({ iat: now(), exp: now() + 300, iss: issuer, aud: 'capstan', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
        .sign(privateKey),
    jwksFetches: () => fetches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
