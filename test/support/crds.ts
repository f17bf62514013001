import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { applyAll } from '../../lib/kube/apply.ts';
import type { KubeClients } from '../../lib/kube/connect.ts';
import { networkFenceCrd } from '../../lib/local/crds/network-fence.ts';
import { eventually } from './kube.ts';

/**
 * Installs the NetworkFence CRD (lib/local/crds/network-fence.ts) as the admin and waits until the API
 * server serves it: Established, and its kind in the group's discovery (what the gateway's apply resolves
 * it by). Applying it again is `unchanged`.
 */
export const installNetworkFenceCrd = async (kube: KubeClients) => {
  const [result] = await applyAll(kube, [networkFenceCrd]);
  await eventually('the NetworkFence CRD Established', async () => {
    const crd = (await kube.objects.read({
      apiVersion: networkFenceCrd.apiVersion ?? '',
      kind: networkFenceCrd.kind ?? '',
      metadata: { name: networkFenceCrd.metadata?.name ?? '' },
    })) as V1CustomResourceDefinition;
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? crd : undefined;
  });
  await eventually('NetworkFences served', () => kube.objects.list('csiaddons.openshift.io/v1alpha1', 'NetworkFence'));
  return result;
};
