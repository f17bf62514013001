import { describe, expect, it } from 'vitest';
import { probeClusters } from '../../lib/fleet/use-cases/probe.ts';
import { connector } from '../../lib/kube/connect.ts';
import { gatewayConnector } from '../../lib/kube/gateway.ts';
import { getCluster, putCluster } from '../../lib/store/clusters.ts';
import { dynamoStore } from '../../lib/store/dynamo.ts';
import { awsClients, freshDb } from '../support/aws.ts';
import { localClusters } from '../support/kube.ts';

describe('sweep: probe every registered cluster', () => {
  it('records reachable clusters with their version, and an unreachable one with the reason', async () => {
    const db = await freshDb(awsClients().ddb);
    const clusters = localClusters();
    for (const c of clusters) await putCluster(db, c);
    await putCluster(db, {
      name: 'missing',
      environment: 'staging',
      wave: 9,
      credentials: { kind: 'kubeconfig', path: '/nonexistent/kubeconfig', context: 'none' },
      registeredAt: new Date().toISOString(),
    });

    const results = await probeClusters({
      store: dynamoStore(db),
      kube: gatewayConnector(connector()),
      now: () => new Date(),
    });

    expect(results.filter((r) => r.status === 'reachable').map((r) => r.version)).toEqual(
      clusters.map(() => 'v1.34.4'),
    );
    const missing = await getCluster(db, 'missing');
    expect(missing.health?.status).toBe('unreachable');
    expect(missing.health?.message).toContain('/nonexistent/kubeconfig');
    for (const c of clusters) expect((await getCluster(db, c.name)).health?.status).toBe('reachable');
  });
});
