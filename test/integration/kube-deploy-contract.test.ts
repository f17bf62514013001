import { beforeAll } from 'vitest';
import { gatewayOf, type KubeGateway } from '../../lib/kube/gateway.ts';
import { deployVerbsContract } from '../contract/kube-deploy.ts';
import { connect, localClusters } from '../support/kube.ts';

// The promises the in-memory double keeps too (test/contract/kube-deploy.ts), here on the real adapter over a
// real kube-apiserver; each test works in namespaces of its own.
const [cluster] = localClusters();
let gateway: KubeGateway;

beforeAll(async () => {
  gateway = gatewayOf(await connect(cluster!));
});

deployVerbsContract(() => ({ gateway }));
