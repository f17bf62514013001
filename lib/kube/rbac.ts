import type { KubernetesObject, V1PolicyRule } from '@kubernetes/client-node';

export const RBAC_NAME = 'capstan';
const MANAGED = { 'app.kubernetes.io/managed-by': 'capstan' };

/**
 * What capstan may do in a cluster, and nothing more. Each rule names the code path that needs it; add
 * a rule together with the feature that needs it, and the RBAC test proves the set is enough.
 */
export const capstanRules: readonly V1PolicyRule[] = [
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
 * What the gateway's healing and scaling verbs need, proven enough by test/integration/kube-verbs-rbac.test.ts
 * under a service account with nothing else. Not in capstanRules yet: they join it with the features that
 * call them (healing nodes and RBD images, scaling), not before.
 */
export const healingAndScalingRules: readonly V1PolicyRule[] = [
  // readNode, listNodes; cordon, uncordon, addTaint, removeTaint (read, then a merge patch).
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'patch'] },
  // listPodsOnNode: every namespace, by field selector.
  { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
  // listVolumeAttachments; deleteVolumeAttachment (read, then delete).
  { apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'], verbs: ['get', 'list', 'delete'] },
  // readHpa; setHpaBounds (read, then a merge patch).
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'patch'] },
];

/** readNode, listNodes: the Node Leases, in kube-node-lease only (a Role there, not cluster-wide). */
export const nodeLeaseRules: readonly V1PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list'] },
];

/** ServiceAccount, ClusterRole and binding to install in each cluster (`capstan rbac | kubectl apply -f -`). */
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
];
