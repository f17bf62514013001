import { describe, expect, it } from 'vitest';
import { checkHeartbeat, controllerManagerArgs, kwokArgs } from '../../lib/local/cluster-flags.ts';

const layout = {
  name: 'c',
  dir: '/tmp/c',
  ports: { etcdClient: 1, etcdPeer: 2, apiserver: 3, controllerManager: 4, scheduler: 5 },
};
const fast = { gracePeriodSeconds: 10, monitorPeriodSeconds: 1, leaseDurationSeconds: 8 };

describe('node heartbeat timings of a local cluster', () => {
  it("keeps Kubernetes' defaults unless asked", () => {
    expect(controllerManagerArgs(layout).filter((a) => a.startsWith('--node-monitor'))).toEqual([]);
    expect(controllerManagerArgs(layout)).toContain('--controllers=*');
    expect(kwokArgs(layout, 'x=y')).toContain('--node-lease-duration-seconds=40');
  });

  it('passes shorter timings to the controller-manager and kwok', () => {
    const l = { ...layout, heartbeat: fast };
    expect(controllerManagerArgs(l)).toEqual(
      expect.arrayContaining(['--node-monitor-grace-period=10s', '--node-monitor-period=1s']),
    );
    expect(kwokArgs(l, 'x=y')).toContain('--node-lease-duration-seconds=8');
  });

  it.each([
    ['a monitor period not below the grace period', { ...fast, monitorPeriodSeconds: 10 }],
    ['a Lease renewed less than twice within the grace period', { ...fast, leaseDurationSeconds: 40 }],
    ['no monitor period', { ...fast, monitorPeriodSeconds: 0 }],
  ])('refuses %s', (_, h) => expect(() => checkHeartbeat(h)).toThrow(/node heartbeat/));
});
