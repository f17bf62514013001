import type { Cluster } from '../../store/clusters.ts';

/** How the cluster frees an RBD image a lost node held; `-`: it does not (lost nodes are fenced, images left). */
export const freeingOf = (c: Pick<Cluster, 'freeing'>): string => {
  const f = c.freeing;
  if (!f) return '-';
  if (f.via === 'ceph') return `ceph ${f.ceph.restfulUrl}`;
  return 'networkFenceClassName' in f.networkFence
    ? `network-fence ${f.networkFence.networkFenceClassName}`
    : `network-fence driver ${f.networkFence.driver}`;
};
