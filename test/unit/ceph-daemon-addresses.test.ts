import { describe, expect, it } from 'vitest';
import { daemonAddressesOf, normalizedAddress } from '../../lib/ceph/daemon-addresses.ts';
import { ipOf } from '../../lib/heal/decisions/rbd-free.ts';

// JSON shaped like Pacific's (MonMap, OSDMap, MgrMap, FSMap/MDSMap::mds_info_t and ServiceMap dumps; the
// empty fs dump and status are what test/integration/ceph-gateway.test.ts gets from the real Ceph).
const vec = (...addrs: string[]) => ({
  addrvec: addrs.map((addr, i) => ({ type: i === 0 && addrs.length > 1 ? 'v2' : 'v1', addr, nonce: 0 })),
});
const monDump = JSON.stringify({
  epoch: 1,
  mons: [{ rank: 0, name: 'a', public_addrs: vec('10.0.0.1:3300', '10.0.0.1:6789'), addr: '10.0.0.1:6789/0' }],
});
const osdDump = JSON.stringify({
  epoch: 11,
  osds: [
    {
      osd: 0,
      public_addrs: vec('10.0.0.2:6800', '10.0.0.2:6801'),
      cluster_addrs: vec('192.168.0.2:6802'),
      heartbeat_back_addrs: vec('192.168.0.2:6804'),
      heartbeat_front_addrs: vec('10.0.0.2:6805'),
    },
  ],
});
const mgrDump = JSON.stringify({
  active_name: 'x',
  active_addrs: vec('10.0.0.3:6800'),
  standbys: [{ gid: 4200, name: 'y', addrs: vec('10.0.0.4:6800') }],
});
const mdsInfo = (gid: number, ip: string) => ({
  gid,
  name: `mds-${gid}`,
  rank: 0,
  incarnation: 4,
  state: 'up:active',
  state_seq: 2,
  addr: `${ip}:6801/3719281`,
  addrs: vec(`${ip}:6800`, `${ip}:6801`),
  join_fscid: -1,
  export_targets: [],
  features: 4294967295,
  flags: 0,
});
const fsDump = JSON.stringify({
  epoch: 9,
  default_fscid: 1,
  feature_flags: { enable_multiple: true, ever_enabled_multiple: true },
  // An old MDS without an addrvec: its legacy `addr` counts.
  standbys: [mdsInfo(4301, '10.0.0.5'), { gid: 4302, name: 'old', addr: '10.0.0.9:6800/42' }],
  filesystems: [{ mdsmap: { epoch: 9, fs_name: 'cephfs', info: { gid_4300: mdsInfo(4300, '10.0.0.6') } }, id: 1 }],
});
const status = JSON.stringify({
  fsid: 'dc422f93-76b6-4962-8a80-7c5453b5a828',
  servicemap: {
    epoch: 5,
    modified: '2026-12-02T06:52:10.137649+0000',
    services: {
      rgw: {
        daemons: {
          summary: '',
          '4410': { start_epoch: 3, start_stamp: '2026-12-02T06:50:00.0+0000', gid: 4410, addr: '10.0.0.7:0/2871239' },
        },
      },
      'rbd-mirror': {
        daemons: { summary: '', '4420': { start_epoch: 4, gid: 4420, addr: '[fd00::8]:0/11', metadata: {} } },
      },
      // A daemon that registered without an address (blank entity_addr_t): nothing to protect.
      iscsi: { daemons: { summary: '', gw: { gid: 4430, addr: '0.0.0.0:0/0' } } },
    },
  },
});

describe('daemonAddressesOf', () => {
  const addresses = daemonAddressesOf({ monDump, osdDump, mgrDump, fsDump, status });

  it('lists mons, mgrs, OSDs, MDSs and service-map daemons (RGW, rbd-mirror) once each', () => {
    expect(addresses).toEqual([
      '10.0.0.1:3300',
      '10.0.0.1:6789',
      '10.0.0.3:6800',
      '10.0.0.4:6800',
      '10.0.0.2:6800',
      '10.0.0.2:6801',
      '192.168.0.2:6802',
      '192.168.0.2:6804',
      '10.0.0.2:6805',
      '10.0.0.5:6800',
      '10.0.0.5:6801',
      '10.0.0.9:6800',
      '10.0.0.6:6800',
      '10.0.0.6:6801',
      '10.0.0.7:0',
      '[fd00::8]:0',
    ]);
  });

  it('in one form whose IP the decision reads (ipOf), never with a nonce or a v1:/v2: prefix', () => {
    const ips = new Set(addresses.map(ipOf));
    expect(ips).not.toContain(undefined);
    for (const ip of ['10.0.0.5', '10.0.0.6', '10.0.0.7', 'fd00::8', '10.0.0.9']) expect(ips).toContain(ip);
    for (const a of addresses) expect(a).not.toMatch(/\/|^v[12]:/);
  });

  it('reads an empty fs dump and a service map without services (a Ceph with neither)', () => {
    const none = daemonAddressesOf({
      monDump,
      osdDump: JSON.stringify({ osds: [] }),
      mgrDump: JSON.stringify({}),
      fsDump: JSON.stringify({ epoch: 1, default_fscid: -1, standbys: [], filesystems: [] }),
      status: JSON.stringify({ servicemap: { epoch: 1, modified: '', services: {} } }),
    });
    expect(none).toEqual(['10.0.0.1:3300', '10.0.0.1:6789']);
  });

  it('throws on JSON of another shape (the client names the cluster)', () => {
    expect(() => daemonAddressesOf({ monDump: '{}', osdDump, mgrDump, fsDump, status })).toThrow();
    expect(() => daemonAddressesOf({ monDump, osdDump, mgrDump, fsDump: 'not json', status })).toThrow();
  });
});

describe('normalizedAddress', () => {
  it.each([
    ['v2:10.0.0.1:3300/0', '10.0.0.1:3300'],
    ['10.0.0.1:6800/1234', '10.0.0.1:6800'],
    ['[FD00::1]:6789', '[fd00::1]:6789'],
    ['0.0.0.0:0/0', undefined],
    ['[::]:0/0', undefined],
    ['-', undefined],
  ])('%s -> %s', (raw, expected) => expect(normalizedAddress(raw)).toBe(expected));
});
