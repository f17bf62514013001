import type { KubernetesObject, V1PolicyRule } from '@kubernetes/client-node';
import { NODE_LEASE_NAMESPACE } from './nodes.ts';

export const RBAC_NAME = 'capstan';
const MANAGED = { 'app.kubernetes.io/managed-by': 'capstan' };

/** What releases need (lib/deploy): cluster-wide. */
export const releaseRules: readonly V1PolicyRule[] = [
  // The gateway's apply and dryRun (lib/kube/gateway.ts): releases create their namespace by server-side
  // apply (read first, then patch).
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'create', 'patch'] },
  // apply and dryRun of Deployments and Services; readDeployment for the quota gate and rollout checks.
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'create', 'patch'] },
  // listResourceQuotas: the quota gate asks each cluster for room before a wave is applied.
  { apiGroups: [''], resources: ['resourcequotas'], verbs: ['list'] },
];

/**
 * What healing lost nodes needs (lib/heal, issue 10): cluster-wide, since Nodes are. Proven enough by
 * test/integration/kube-verbs-rbac.test.ts under a service account with nothing else.
 */
export const healingRules: readonly V1PolicyRule[] = [
  // readNode, listNodes; cordon, uncordon, addTaint, removeTaint (read, then a merge patch).
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'patch'] },
  // listPodsOnNode: every namespace, by field selector (fencing waits for the pod GC to remove them);
  // readPod: a node.lost that names a pod (the node controller's Warning NodeNotReady) is read for its node.
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
  // listVolumeAttachments (fencing waits for the attach/detach controller; recovery checks none is left).
  { apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'], verbs: ['get', 'list'] },
  // listWarningEvents: the sweep reads pods' FailedMount and FailedAttachVolume (RBD images held elsewhere).
  { apiGroups: [''], resources: ['events'], verbs: ['list'] },
];

/**
 * What freeing a Ceph RBD image held by a lost node needs (issue 11), on top of healing's: cluster-wide,
 * since PersistentVolumes, VolumeAttachments and NetworkFences are. Proven by kube-verbs-rbac.test.ts and,
 * for the NetworkFences on a cluster with their CRD, kube-volumes.test.ts.
 */
export const freeingRules: readonly V1PolicyRule[] = [
  // readPersistentVolumeClaim, readPersistentVolume: the way from the stuck pod to its pool and image.
  { apiGroups: [''], resources: ['persistentvolumeclaims', 'persistentvolumes'], verbs: ['get'] },
  // deleteVolumeAttachment: a stale attachment of the fenced node (read, then delete with preconditions;
  // get and list are healing's).
  { apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'], verbs: ['delete'] },
  // The NetworkFence path: apply (read, then a server-side apply patch, which creates the first time),
  // readNetworkFence, deleteNetworkFence once unfenced.
  { apiGroups: ['csiaddons.openshift.io'], resources: ['networkfences'], verbs: ['get', 'create', 'patch', 'delete'] },
  // Events list (the sweep's detection of stuck mounts) is granted with listWarningEvents in healingRules.
];

/** readNode, listNodes: the Node Leases, in kube-node-lease only (a Role there, not cluster-wide). */
export const nodeLeaseRules: readonly V1PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list'] },
];

/**
 * What autoscaling needs (issue 12), cluster-wide since apps live in any namespace: releases apply the HPA
 * and remove it when autoscaling is turned off; the scaling steps read it, raise and put back its bounds,
 * and scale a Deployment without one. Proven by kube-verbs-rbac.test.ts under a service account with
 * nothing else.
 */
export const scalingRules: readonly V1PolicyRule[] = [
  // apply (read, then a server-side apply patch, which creates the first time); readHpa; setHpaBounds (read,
  // then a merge patch); deleteHpa (read for the label, then delete with preconditions). No list or watch.
  {
    apiGroups: ['autoscaling'],
    resources: ['horizontalpodautoscalers'],
    verbs: ['get', 'create', 'patch', 'delete'],
  },
  // scaleDeployment: read the scale subresource, then a merge patch of it.
  { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'patch'] },
];

/**
 * What capstan may do cluster-wide, and nothing more: each rule names the code path that needs it. Add a
 * rule together with the feature that calls it, and the RBAC tests prove the set is enough.
 */
export const capstanRules: readonly V1PolicyRule[] = [
  ...releaseRules,
  ...healingRules,
  ...freeingRules,
  ...scalingRules,
];

/**
 * ServiceAccount, ClusterRole and binding, and the Role and binding for the Node Leases, to install in
 * each cluster (`capstan rbac | kubectl apply -f -`).
 */
export const rbacManifests = (namespace = 'capstan-system'): KubernetesObject[] => [
  // Every object carries a field capstan owns: an applied object owning none gets its managedFields
  // rewritten by the second apply, which would report `configured` once for no real change.
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: MANAGED } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: RBAC_NAME, namespace, labels: MANAGED } },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: RBAC_NAME, labels: MANAGED },
    rules: capstanRules,
  } as KubernetesObject,
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: RBAC_NAME, labels: MANAGED },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: RBAC_NAME },
    subjects: [{ kind: 'ServiceAccount', name: RBAC_NAME, namespace }],
  } as KubernetesObject,
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: RBAC_NAME, namespace: NODE_LEASE_NAMESPACE, labels: MANAGED },
    rules: nodeLeaseRules,
  } as KubernetesObject,
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: RBAC_NAME, namespace: NODE_LEASE_NAMESPACE, labels: MANAGED },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: RBAC_NAME },
    subjects: [{ kind: 'ServiceAccount', name: RBAC_NAME, namespace }],
  } as KubernetesObject,
];
