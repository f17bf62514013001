import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CephGateway, ImageStatus } from '../../lib/ceph/ports.ts';
import { freeingFromFlags } from '../../lib/cli/freeing-flags.ts';
import { parseImageArgument } from '../../lib/cli/image-argument.ts';
import { type RbdStatusPorts, rbdStatusView } from '../../lib/cli/rbd-status.ts';
import { freeingOf } from '../../lib/cli/render/freeing.ts';
import { renderHeal } from '../../lib/cli/render/heals.ts';
import { renderImageHeal, renderImageHeals } from '../../lib/cli/render/image-heals.ts';
import { renderRbdStatus } from '../../lib/cli/render/rbd-status.ts';
import type { VolumeAttachmentView } from '../../lib/kube/workloads.ts';
import { DEFAULT_BLOCKLIST_EXPIRE_SECONDS, FreeingSchema } from '../../lib/store/freeing.ts';
import type { NodeHeal } from '../../lib/store/heals.ts';
import type { ImageHeal } from '../../lib/store/image-heals.ts';

describe('clusters add: how the cluster frees RBD images, from the flags', () => {
  it('none of the flags: no freeing', () => expect(freeingFromFlags({})).toEqual({ issues: [] }));

  it('Ceph with a credentials file: an absolute path, the default blocklist expiry, the URL without its slash', () => {
    expect(freeingFromFlags({ cephRestful: 'https://mgr.example:8003/', cephCredentials: 'ceph.json' })).toEqual({
      issues: [],
      freeing: {
        via: 'ceph',
        ceph: {
          restfulUrl: 'https://mgr.example:8003',
          credentials: { kind: 'file', path: join(process.cwd(), 'ceph.json') },
        },
        blocklistExpireSeconds: DEFAULT_BLOCKLIST_EXPIRE_SECONDS,
      },
    });
  });

  it('Ceph with a secret under capstan/clusters/, by name or ARN, and an expiry', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:capstan/clusters/east-ceph-AbCdEf';
    expect(
      freeingFromFlags({ cephRestful: 'https://mgr:8003', cephSecret: arn, blocklistExpire: 3600 }).freeing,
    ).toEqual({
      via: 'ceph',
      ceph: { restfulUrl: 'https://mgr:8003', credentials: { kind: 'secret', secretId: arn } },
      blocklistExpireSeconds: 3600,
    });
    expect(
      freeingFromFlags({ cephRestful: 'https://mgr:8003', cephSecret: 'capstan/clusters/east-ceph' }).issues,
    ).toEqual([]);
  });

  it('a NetworkFenceClass, or a driver with its secret', () => {
    expect(freeingFromFlags({ networkFenceClass: 'rbd-fence' }).freeing).toEqual({
      via: 'network-fence',
      networkFence: { networkFenceClassName: 'rbd-fence' },
    });
    expect(
      freeingFromFlags({ networkFenceDriver: 'rook-ceph.rbd.csi.ceph.com', networkFenceSecret: 'rook-ceph/csi-rbd' })
        .freeing,
    ).toEqual({
      via: 'network-fence',
      networkFence: { driver: 'rook-ceph.rbd.csi.ceph.com', secret: { namespace: 'rook-ceph', name: 'csi-rbd' } },
    });
    // csi-addons' CRD refuses a driver without its Secret: so does registration.
    expect(freeingFromFlags({ networkFenceDriver: 'rbd.csi.ceph.com' }).issues.join('\n')).toContain(
      '--network-fence-driver needs --network-fence-secret',
    );
  });

  it.each<[string, Parameters<typeof freeingFromFlags>[0], string]>([
    ['both ways', { cephRestful: 'https://m', networkFenceClass: 'c' }, 'not both'],
    ['Ceph without a URL', { cephCredentials: 'c.json' }, '--ceph-restful <url> is required'],
    ['an expiry alone', { blocklistExpire: 600 }, '--ceph-restful <url> is required'],
    ['a URL that is not one', { cephRestful: 'mgr:8003', cephCredentials: 'c.json' }, 'must be an https URL'],
    ['a URL of another scheme', { cephRestful: 'ftp://mgr', cephCredentials: 'c.json' }, 'must be an https URL'],
    // node:https cannot ask an http URL, and the restful module serves only https.
    ['an http URL', { cephRestful: 'http://mgr:8003', cephCredentials: 'c.json' }, 'must be an https URL'],
    [
      'an expiry under an hour',
      { cephRestful: 'https://m', cephCredentials: 'c.json', blocklistExpire: 3599 },
      "--blocklist-expire 3599 is too short: at least 3600 s, since when the entry expires the lost node's clients may write again",
    ],
    ['no credentials', { cephRestful: 'https://m' }, 'give exactly one of --ceph-credentials'],
    [
      'two credentials',
      { cephRestful: 'https://m', cephCredentials: 'c', cephSecret: 'capstan/clusters/x' },
      'exactly one',
    ],
    ['a secret outside the prefix', { cephRestful: 'https://m', cephSecret: 'ceph/east' }, 'capstan/clusters/<name>'],
    [
      'a class and a driver',
      { networkFenceClass: 'c', networkFenceDriver: 'd.io' },
      'exactly one of --network-fence-class',
    ],
    ['a secret alone', { networkFenceSecret: 'ns/n' }, 'exactly one of --network-fence-class'],
    [
      'a secret with a class',
      { networkFenceClass: 'c', networkFenceSecret: 'ns/n' },
      'goes with --network-fence-driver',
    ],
    ['a secret without a namespace', { networkFenceDriver: 'd.io', networkFenceSecret: 'n' }, '<namespace>/<name>'],
    ['a bad class name', { networkFenceClass: 'Fence_1' }, 'must be a DNS-1123 subdomain'],
  ])('refuses %s', (_, flags, message) => {
    const { freeing, issues } = freeingFromFlags(flags);
    expect(freeing).toBeUndefined();
    expect(issues.join('\n')).toContain(message);
  });
});

describe('how a cluster frees images, in `clusters list`', () => {
  it.each<[Parameters<typeof freeingOf>[0], string]>([
    [{}, '-'],
    [
      {
        freeing: {
          via: 'ceph',
          ceph: { restfulUrl: 'https://mgr:8003', credentials: { kind: 'file', path: '/c.json' } },
          blocklistExpireSeconds: 3600,
        },
      },
      'ceph https://mgr:8003',
    ],
    [{ freeing: { via: 'network-fence', networkFence: { networkFenceClassName: 'fence' } } }, 'network-fence fence'],
    [
      {
        freeing: {
          via: 'network-fence',
          networkFence: { driver: 'rbd.csi.ceph.com', secret: { namespace: 'ceph-csi', name: 'csi-rbd' } },
        },
      },
      'network-fence driver rbd.csi.ceph.com',
    ],
  ])('%j: %s', (cluster, text) => expect(freeingOf(cluster)).toBe(text));
});

describe('parseImageArgument', () => {
  it('pool/image', () => expect(parseImageArgument('rbd/csi-vol-1')).toEqual({ pool: 'rbd', image: 'csi-vol-1' }));
  it.each(['rbd/', '/img', 'a/b/c', 'rbd/im age'])('refuses %s', (argument) =>
    expect(parseImageArgument(argument)).toEqual({ issue: expect.stringContaining('must be <pool>/<image>') }),
  );
});

const image = (name: string, over: Partial<ImageHeal> = {}): ImageHeal => ({
  cluster: 'east',
  pool: 'rbd',
  image: name,
  persistentVolume: `pv-${name}`,
  holderNode: 'n1',
  requester: { namespace: 'shop', pod: 'db-0', node: 'n2' },
  phase: 'waiting',
  eventId: `ev-${name}`,
  detectedAt: '2026-12-01T11:50:00.000Z',
  updatedAt: '2026-12-01T11:51:00.000Z',
  ...over,
});

describe('renderImageHeals and renderImageHeal', () => {
  it('a row per image: holder, requester, phase, code and since when', () => {
    expect(
      renderImageHeals([
        image('vol-1', { code: 'node-ready' }),
        image('vol-2', {
          phase: 'freed',
          freedAt: '2026-12-01T11:58:00.000Z',
          requester: { namespace: 'shop', pod: 'web' },
        }),
      ]).split('\n'),
    ).toEqual([
      'CLUSTER  IMAGE      HOLDER  REQUESTER  PHASE    CODE        SINCE',
      'east     rbd/vol-1  n1      shop/db-0  waiting  node-ready  2026-12-01 11:50:00Z',
      'east     rbd/vol-2  n1      shop/web   freed    -           2026-12-01 11:58:00Z',
    ]);
  });

  it('the record: who holds it and who wants it, the last verdict, what capstan did, each step', () => {
    const text = renderImageHeal(
      image('vol-1', {
        phase: 'freed',
        via: 'ceph',
        code: 'node-ready',
        reason: 'because',
        blocked: ['10.0.0.5'],
        locksRemoved: ['client.4308'],
        freedAt: '2026-12-01T11:58:00.000Z',
      }),
    );
    expect(text).toContain('freeing image rbd/vol-1 of cluster east: freed (via ceph)');
    expect(text).toContain('persistent volume pv-vol-1, held by node n1; wanted by pod shop/db-0 on node n2');
    expect(text).toContain('last verdict: node-ready: because');
    expect(text).toContain('blocked addresses: 10.0.0.5');
    expect(text).toContain('locks removed: client.4308');
    expect(text).toMatch(/freed\s+2026-12-01 11:58:00Z/);
    expect(text).toMatch(/refused\s+-/);
  });
});

describe("renderHeal: the node's blocked addresses", () => {
  const heal: NodeHeal = {
    cluster: 'east',
    node: 'n1',
    phase: 'fenced',
    mode: 'auto',
    cordonedByCapstan: true,
    eventId: 'ev',
    suspectedAt: '2026-12-01T11:50:00.000Z',
    updatedAt: '2026-12-01T11:59:00.000Z',
    blocked: { via: 'ceph', addresses: ['10.0.0.5', '10.0.0.6'], at: '2026-12-01T11:56:00.000Z' },
  };

  it('blocked, not yet lifted', () =>
    expect(renderHeal(heal)).toContain(
      'blocked from Ceph (via ceph): 10.0.0.5, 10.0.0.6 at 2026-12-01 11:56:00Z; not unblocked yet',
    ));
  it('and lifted', () =>
    expect(renderHeal({ ...heal, unblockedAt: '2026-12-01T12:30:00.000Z' })).toContain(
      'unblocked at 2026-12-01 12:30:00Z',
    ));
  it('nothing about it when nothing was blocked', () =>
    expect(renderHeal({ ...heal, blocked: undefined })).not.toContain('blocked'));
});

describe('rbd status: the view and its text', () => {
  const cephGateway = (status: ImageStatus | undefined): CephGateway => ({
    cluster: 'east',
    imageStatus: async () => status,
    removeLock: async () => 'unchanged',
    blocklist: async () => [{ entity: '10.0.0.5:0/0', until: '2026-12-31T00:00:00.000000+0000' }],
    blocklistAdd: async () => 'unchanged',
    blocklistRemove: async () => 'unchanged',
    daemonAddresses: async () => [],
  });
  const held: ImageStatus = {
    watchers: [{ address: '10.0.0.5:0/2950601841', client: 'client.4308', cookie: '18446462598732840961' }],
    locks: [{ id: 'auto 18446462598732840961', locker: 'client.4308', address: '10.0.0.5:0/2950601841' }],
  };
  const attachment = (pv: string): VolumeAttachmentView => ({
    name: `csi-${pv}`,
    attacher: 'rbd.csi.ceph.com',
    node: 'n1',
    persistentVolume: pv,
    attached: true,
    deleting: false,
  });
  const ports = (over: Partial<RbdStatusPorts> = {}): RbdStatusPorts => ({
    attachments: async (pv) => [attachment(pv)],
    networkFence: async () => undefined,
    ceph: async () => cephGateway(held),
    judge: async () => ({
      verdict: { free: false, code: 'not-fenced', reason: 'capstan has not fenced n1 yet' },
      evidence: { holder: 'n1' },
      ceph: cephGateway(held),
      status: held,
    }),
    ...over,
  });
  const viaCeph = {
    name: 'east',
    freeing: {
      via: 'ceph',
      ceph: { restfulUrl: 'https://mgr:8003', credentials: { kind: 'file', path: '/c.json' } },
      blocklistExpireSeconds: 3600,
    },
  } as const;
  const key = { pool: 'rbd', image: 'vol-1' };

  it('through Ceph: watchers, locks, blocklist, the holder from the record, its attachment, the verdict', async () => {
    const view = await rbdStatusView(ports(), viaCeph, key, image('vol-1'), 'ceph https://mgr:8003');
    expect(view).toMatchObject({
      via: 'ceph',
      holder: { node: 'n1', from: 'record' },
      attachments: [{ name: 'csi-pv-vol-1' }],
      ceph: { image: held, blocklist: [{ entity: '10.0.0.5:0/0' }] },
      networkFence: null,
      verdict: { free: false, code: 'not-fenced' },
    });
    const text = renderRbdStatus(view);
    expect(text).toContain('image rbd/vol-1 of cluster east; frees images: ceph https://mgr:8003');
    expect(text).toContain('holder: node n1 (from the record)');
    expect(text).toMatch(/watchers:\nADDRESS\s+CLIENT\s+COOKIE\n10\.0\.0\.5:0\/2950601841\s+client\.4308/);
    expect(text).toMatch(/locks:\nID\s+LOCKER\s+ADDRESS\nauto 18446462598732840961\s+client\.4308/);
    expect(text).toMatch(/blocklist:\nENTITY\s+UNTIL\n10\.0\.0\.5:0\/0/);
    expect(text).toContain('verdict: not-fenced: capstan has not fenced n1 yet');
  });

  it('through Ceph with no record: Ceph read all the same, no holder, no verdict', async () => {
    const view = await rbdStatusView(
      ports({ ceph: async () => cephGateway(undefined) }),
      viaCeph,
      key,
      undefined,
      'ceph x',
    );
    expect(view).toMatchObject({ holder: null, verdict: null, ceph: { image: null }, attachments: [] });
    const text = renderRbdStatus(view);
    expect(text).toContain("capstan's record: none");
    expect(text).toContain('ceph: no image rbd/vol-1');
    expect(text).toContain('verdict: none (no holder node known');
  });

  it("through csi-addons: the holder's NetworkFence instead of Ceph", async () => {
    const view = await rbdStatusView(
      ports({
        networkFence: async (name) =>
          name === 'capstan-n1'
            ? { spec: { fenceState: 'Fenced', cidrs: ['10.0.0.5/32'] }, status: { result: 'Succeeded' } }
            : undefined,
        ceph: () => Promise.reject(new Error('Ceph must not be read')),
      }),
      { name: 'east', freeing: { via: 'network-fence', networkFence: { networkFenceClassName: 'fence' } } },
      key,
      image('vol-1'),
      'network-fence fence',
    );
    expect(view).toMatchObject({ ceph: null, networkFence: { name: 'capstan-n1', found: true, result: 'Succeeded' } });
    const text = renderRbdStatus(view);
    expect(text).toContain('ceph: not read (this cluster frees images through csi-addons)');
    expect(text).toContain('network fence capstan-n1: Fenced 10.0.0.5/32; result: Succeeded');
  });

  it('a cluster that frees no image: the Kubernetes side only, said so', async () => {
    const view = await rbdStatusView(
      ports({ ceph: () => Promise.reject(new Error('Ceph must not be read')) }),
      { name: 'east' },
      key,
      image('vol-1'),
      '-',
    );
    expect(view).toMatchObject({ via: 'none', ceph: null, networkFence: null });
    const text = renderRbdStatus(view);
    expect(text).toContain('ceph: not read (this cluster frees no RBD image');
    expect(text).toContain('(this cluster frees no image: nothing would be done)');
  });
});

describe("a cluster's freeing as stored", () => {
  const ceph = (restfulUrl: string, blocklistExpireSeconds: number) => ({
    via: 'ceph',
    ceph: { restfulUrl, credentials: { kind: 'file', path: '/c.json' } },
    blocklistExpireSeconds,
  });

  it('takes an https URL and an expiry of an hour or more', () => {
    expect(FreeingSchema.safeParse(ceph('https://mgr:8003', 3600)).success).toBe(true);
  });

  it.each([
    ['an http URL', ceph('http://mgr:8003', 3600), 'must be an https URL'],
    ['an expiry under an hour', ceph('https://mgr:8003', 600), 'Too small'],
  ])('refuses %s', (_, value, message) => {
    const parsed = FreeingSchema.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(message);
  });
});
