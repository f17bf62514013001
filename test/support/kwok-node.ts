import type { KubeClients } from '../../lib/kube/connect.ts';
import { isNotFound } from '../../lib/kube/errors.ts';
import { NODE_LEASE_NAMESPACE } from '../../lib/kube/nodes.ts';
import { fakeNode } from '../../lib/local/nodes.ts';
import { uniqueName } from './aws.ts';

/**
 * A kwok Node of a test's own (kwok manages every Node with its annotation, and renews its Lease), for
 * tests that cordon, taint or fence: the harness's Nodes, which other files schedule on, stay untouched.
 * `index` picks the template's zone and InternalIP (127.0.0.<index + 10>).
 */
export const createKwokNode = async (kube: KubeClients, index = 40): Promise<string> => {
  const name = uniqueName(`${kube.cluster}-test`);
  const template = fakeNode(kube.cluster, index);
  const labels = { ...template.metadata.labels, 'kubernetes.io/hostname': name };
  await kube.core.createNode({ body: { ...template, metadata: { ...template.metadata, name, labels } } });
  return name;
};

/** Deletes the Node and the Lease kwok made for it; either may be gone already. */
export const deleteKwokNode = async (kube: KubeClients, name: string): Promise<void> => {
  const ignoreAbsent = (error: unknown) => {
    if (!isNotFound(error)) throw error;
  };
  await kube.core.deleteNode({ name }).catch(ignoreAbsent);
  await kube.coordination.deleteNamespacedLease({ name, namespace: NODE_LEASE_NAMESPACE }).catch(ignoreAbsent);
};
