import { describe, expect, it } from 'vitest';
import { CephAccessSchema } from '../../lib/ceph/access.ts';
import { MAX_REQUEST_MS, restfulCeph } from '../../lib/ceph/restful.ts';
import { ClusterRejectedError, ClusterUnavailableError } from '../../lib/errors.ts';

// What the restful client refuses before it asks anything (its answers: test/integration/ceph-gateway.test.ts).
const client = (url: string, user = 'capstan') => restfulCeph({ cluster: 'c1', url, user, key: 'k' });

describe('restful client', () => {
  it.each([
    ['an http URL', client('http://127.0.0.1:1')],
    ['a URL of another scheme', client('ftp://127.0.0.1:1')],
    ['no URL', client('not a url')],
  ])('refuses %s for good, in capstan words (never a TypeError from node:https)', async (_, ceph) => {
    const error = await ceph.blocklist().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterRejectedError);
    expect(String(error)).toMatch(/^ClusterRejectedError: cluster c1: .*https/);
  });

  it('says a manager that does not answer is unavailable (retryable), in capstan words', async () => {
    const error = await client('https://127.0.0.1:1')
      .blocklist()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect(String(error)).toMatch(/cluster c1: the Ceph manager's restful API at https:\/\/127.0.0.1:1 did not answer/);
  });

  it('bounds every request within the heal function budget', () => expect(MAX_REQUEST_MS).toBeLessThanOrEqual(10_000));
});

describe('Ceph access', () => {
  const access = (restfulUrl: string) => ({ restfulUrl, credentials: { kind: 'file', path: '/c.json' } });
  it('takes an https URL only', () => {
    expect(CephAccessSchema.safeParse(access('https://mgr:8003')).success).toBe(true);
    const http = CephAccessSchema.safeParse(access('http://mgr:8003'));
    expect(http.success).toBe(false);
    expect(http.error?.issues[0]?.message).toContain('must be an https URL');
  });
});
