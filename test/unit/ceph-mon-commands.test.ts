import { describe, expect, it } from 'vitest';
import { blocklistAdd, blocklistOf, blocklistRemove, osdDump, readMonAnswer } from '../../lib/ceph/mon-commands.ts';
import { InvalidInputError } from '../../lib/errors.ts';

describe('Ceph mon commands for the restful module', () => {
  it('blocklists every client of an address, with expire as a float', () => {
    expect(blocklistAdd('127.0.0.11', 3600)).toBe(
      '{"prefix":"osd blocklist","blocklistop":"add","addr":"127.0.0.11:0/0","expire":3600.0}',
    );
    expect(JSON.parse(blocklistAdd('127.0.0.11', 600))).toMatchObject({ expire: 600 });
    expect(blocklistRemove('fd00::5')).toBe('{"prefix":"osd blocklist","blocklistop":"rm","addr":"[fd00::5]:0/0"}');
    expect(osdDump()).toBe('{"prefix":"osd dump","format":"json"}');
  });

  it.each(['127.0.0.0/8', '127.0.0.1:0/1', '-x', 'node-a', '', '127.0.0.1","blocklistop":"rm'])(
    'refuses %s as an address (never a range, an entity, an option or an injection)',
    (ip) => expect(() => blocklistAdd(ip, 60)).toThrow(InvalidInputError),
  );

  it.each([0, -5, 1.5])('refuses an expiry of %s', (seconds) => {
    expect(() => blocklistAdd('127.0.0.11', seconds)).toThrow(InvalidInputError);
  });

  it('reads success with its output, and failure (still HTTP 200) with its reason', () => {
    expect(readMonAnswer({ state: 'success', finished: [{ outb: '{"epoch":3}', outs: '' }] })).toEqual({
      ok: true,
      outb: '{"epoch":3}',
    });
    expect(readMonAnswer({ state: 'failed', failed: [{ outs: 'Error EINVAL: invalid command' }] })).toEqual({
      ok: false,
      reason: 'the command failed: Error EINVAL: invalid command',
    });
    expect(readMonAnswer('nope')).toMatchObject({ ok: false });
  });

  it('reads the blocklist out of osd dump, ranges included', () => {
    const dump = JSON.stringify({
      epoch: 9,
      blocklist: { '127.0.0.11:0/0': '2026-12-01T11:00:00.000000+0000' },
      range_blocklist: { '10.1.0.0:0/24': '2026-12-01T12:00:00.000000+0000' },
    });
    expect(blocklistOf(dump)).toEqual({
      '127.0.0.11:0/0': '2026-12-01T11:00:00.000000+0000',
      '10.1.0.0:0/24': '2026-12-01T12:00:00.000000+0000',
    });
    expect(blocklistOf('{"epoch":1}')).toEqual({});
    expect(() => blocklistOf('[][]')).toThrow(InvalidInputError);
  });
});
