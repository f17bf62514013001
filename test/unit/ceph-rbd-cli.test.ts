import { describe, expect, it } from 'vitest';
import { rbdCli } from '../../lib/ceph/rbd-cli.ts';
import { ClusterCredentialsError, ClusterRejectedError, InvalidInputError } from '../../lib/errors.ts';

// What the rbd CLI adapter refuses before it runs anything (the rest is test/integration/ceph-gateway.test.ts).
const credentials = {
  monHost: '[v2:127.0.0.1:1]',
  clientName: 'client.capstan',
  clientKey: 'AQDssg9rUcgmDRAAslBTeoWCeeMtQaTgjTBb0w==',
};

describe('rbd CLI adapter', () => {
  it.each([
    ['-x', 'img'],
    ['rbd', '--pool=other'],
    ['rbd', 'a/b'],
    ['rbd', ''],
  ])('refuses pool %j image %j as Ceph names', async (pool, image) => {
    const cli = rbdCli({ cluster: 'c1', credentials });
    await expect(cli.imageStatus(pool, image)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(cli.removeLock(pool, image, { id: 'auto 1', locker: 'client.1' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it('refuses credentials that would add lines to its ceph.conf or keyring', async () => {
    for (const bad of [{ monHost: '127.0.0.1\nkeyring = /etc/x' }, { clientKey: 'AQ==\n[client.admin]' }]) {
      const cli = rbdCli({ cluster: 'c1', credentials: { ...credentials, ...bad } });
      const error = await cli.imageStatus('rbd', 'img').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClusterCredentialsError);
      expect(String(error)).not.toContain('AQ==');
    }
  });

  it('says that rbd is missing, for good', async () => {
    const cli = rbdCli({ cluster: 'c1', credentials, rbdPath: '/nonexistent/rbd' });
    const error = await cli.imageStatus('rbd', 'img').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterRejectedError);
    expect(String(error)).toMatch(/cluster c1: the rbd CLI \(\/nonexistent\/rbd\) is not installed/);
  });
});
