import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * csi-addons' NetworkFence (csiaddons.openshift.io/v1alpha1, cluster-scoped): the Kubernetes-native way to
 * have ceph-csi blocklist a lost node's addresses (issue 11). `Fenced` blocks the CIDRs, `Unfenced` lifts the
 * block; the CR is deleted once unfenced. One CR per cluster node, named after it, so a redelivered step
 * re-applies the same object (`unchanged`).
 */

export type FenceState = 'Fenced' | 'Unfenced';

/** How the cluster's csi-addons is set up: a NetworkFenceClass, or (deprecated upstream) driver and secret. */
export type NetworkFenceSettings =
  | { readonly networkFenceClassName: string }
  | {
      readonly driver: string;
      /** csi-addons' CRD requires it whenever no NetworkFenceClass is named. */
      readonly secret: { readonly name: string; readonly namespace: string };
      readonly parameters?: Readonly<Record<string, string>>;
    };

export const NETWORK_FENCE_API = 'csiaddons.openshift.io/v1alpha1';

/** The CR's name for a node: DNS-1123, at most 253 characters, as node names are. */
export const networkFenceName = (node: string): string => `capstan-${node}`.slice(0, 253).replace(/[-.]+$/, '');

/** Each address as a one-host CIDR: /32 for IPv4, /128 for IPv6. */
export const hostCidrs = (ips: readonly string[]): string[] =>
  [...new Set(ips)].map((ip) => (ip.includes(':') ? `${ip}/128` : `${ip}/32`));

export const networkFence = (
  node: string,
  ips: readonly string[],
  state: FenceState,
  settings: NetworkFenceSettings,
): KubernetesObject & { spec: Record<string, unknown> } => ({
  apiVersion: NETWORK_FENCE_API,
  kind: 'NetworkFence',
  metadata: {
    name: networkFenceName(node),
    labels: { 'app.kubernetes.io/managed-by': 'capstan' },
    annotations: { 'capstan.dev/node': node },
  },
  spec: {
    fenceState: state,
    cidrs: hostCidrs(ips),
    ...('networkFenceClassName' in settings
      ? { networkFenceClassName: settings.networkFenceClassName }
      : {
          driver: settings.driver,
          secret: settings.secret,
          ...(settings.parameters ? { parameters: settings.parameters } : {}),
        }),
  },
});

export type FenceResult =
  | { readonly result: 'succeeded' }
  | { readonly result: 'failed'; readonly message: string }
  /** No answer yet; `silent` once no controller has answered for longer than it should take. */
  | { readonly result: 'pending'; readonly silent: boolean };

/**
 * What the csi-addons controller made of the CR (`status.result`, `Succeeded` or `Failed`, and its message).
 * Where no controller runs nothing ever answers: after `patienceSeconds` capstan says so, never pretends.
 */
export const fenceResult = (
  cr: { readonly status?: { readonly result?: string; readonly message?: string } } | undefined,
  waitedSeconds: number,
  patienceSeconds: number,
): FenceResult => {
  const result = cr?.status?.result;
  if (result === 'Succeeded') return { result: 'succeeded' };
  if (result === 'Failed')
    return { result: 'failed', message: cr?.status?.message || 'the csi-addons controller said Failed' };
  return { result: 'pending', silent: waitedSeconds > patienceSeconds };
};
