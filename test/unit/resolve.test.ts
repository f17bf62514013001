import { describe, expect, it } from 'vitest';
import { bearerChallenge } from '../../lib/registry/resolve.ts';

describe('bearerChallenge', () => {
  it("reads Docker Hub's challenge, quoted and bare values alike", () => {
    expect(
      bearerChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      ),
    ).toEqual({
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/nginx:pull',
    });
    expect(bearerChallenge('bearer realm=https://ghcr.io/token, service=ghcr.io')).toEqual({
      realm: 'https://ghcr.io/token',
      service: 'ghcr.io',
    });
  });

  it('is undefined for other schemes and for a challenge without a realm', () => {
    expect(bearerChallenge('Basic realm="Registry"')).toBeUndefined();
    expect(bearerChallenge('Bearer service="x"')).toBeUndefined();
    expect(bearerChallenge(null)).toBeUndefined();
  });
});
