import type { V1CustomResourceDefinition, V1JSONSchemaProps, V1ValidationRule } from '@kubernetes/client-node';

// csi-addons' NetworkFence CRD (csiaddons.openshift.io/v1alpha1), written from upstream's API types
// (csi-addons/kubernetes-csi-addons api/csiaddons/v1alpha1/networkfence_types.go and their kubebuilder
// markers), for clusters without csi-addons: local clusters and the tests of the NetworkFence path. The
// API server then validates capstan's NetworkFences as a cluster with csi-addons would (required fields,
// the fenceState enum, the rules that one of driver or class is given and that they never change); no
// controller answers them, so status stays empty (lib/heal/render/network-fence.ts fenceResult says so).
// `capstan up` users install it with the apply of lib/kube/apply.ts. Written in client-node's model names
// (`_enum`, `_default`, `x_kubernetes_validations`): its serializer sends those under their wire names
// (`enum`, `default`, `x-kubernetes-validations`) and silently drops any key it does not know.

const immutable = (what: string): V1ValidationRule[] => [{ rule: 'self == oldSelf', message: `${what} immutable` }];

const condition: V1JSONSchemaProps = {
  type: 'object',
  required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'],
  properties: {
    lastTransitionTime: { type: 'string', format: 'date-time' },
    message: { type: 'string', maxLength: 32768 },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    reason: { type: 'string', maxLength: 1024, minLength: 1 },
    status: { type: 'string', _enum: ['True', 'False', 'Unknown'] },
    type: { type: 'string', maxLength: 316 },
  },
};

const spec: V1JSONSchemaProps = {
  type: 'object',
  description: 'NetworkFenceSpec defines the desired state of NetworkFence',
  required: ['cidrs', 'fenceState'],
  properties: {
    networkFenceClassName: {
      type: 'string',
      description: 'The NetworkFenceClass to fence with.',
      x_kubernetes_validations: immutable('networkFenceClassName is'),
    },
    driver: {
      type: 'string',
      description: 'The CSI driver, when no networkFenceClassName is given (deprecated upstream).',
      x_kubernetes_validations: immutable('driver is'),
    },
    fenceState: {
      type: 'string',
      description: 'The desired state of the CIDRs.',
      _enum: ['Fenced', 'Unfenced'],
      _default: 'Fenced',
    },
    cidrs: { type: 'array', description: 'The CIDR blocks to fence.', items: { type: 'string' } },
    secret: {
      type: 'object',
      description: 'The secret the driver fences with (deprecated upstream).',
      properties: {
        name: { type: 'string', x_kubernetes_validations: immutable('name is') },
        namespace: { type: 'string', x_kubernetes_validations: immutable('namespace is') },
      },
      x_kubernetes_validations: immutable('secret is'),
    },
    parameters: {
      type: 'object',
      description: 'Further parameters for the CSI driver (deprecated upstream).',
      additionalProperties: { type: 'string' },
      x_kubernetes_validations: immutable('parameters are'),
    },
  },
  x_kubernetes_validations: [
    {
      rule: 'has(self.driver) || has(self.networkFenceClassName)',
      message: 'one of driver or networkFenceClassName must be present',
    },
    {
      rule: 'has(self.networkFenceClassName) || has(self.secret)',
      message: 'secret must be present when networkFenceClassName is not specified',
    },
  ],
};

const status: V1JSONSchemaProps = {
  type: 'object',
  description: 'NetworkFenceStatus defines the observed state of NetworkFence',
  properties: {
    result: { type: 'string', description: 'Succeeded or Failed: the result of the fence or unfence operation.' },
    message: { type: 'string' },
    conditions: { type: 'array', items: condition },
  },
};

export const networkFenceCrd: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'networkfences.csiaddons.openshift.io' },
  spec: {
    group: 'csiaddons.openshift.io',
    names: { kind: 'NetworkFence', listKind: 'NetworkFenceList', plural: 'networkfences', singular: 'networkfence' },
    scope: 'Cluster',
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Driver', type: 'string', jsonPath: '.spec.driver' },
          { name: 'Cidrs', type: 'string', jsonPath: '.spec.cidrs' },
          { name: 'FenceState', type: 'string', jsonPath: '.spec.fenceState' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          { name: 'Result', type: 'string', jsonPath: '.status.result' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: 'NetworkFence is the Schema for the networkfences API',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec,
              status,
            },
          },
        },
      },
    ],
  },
};
