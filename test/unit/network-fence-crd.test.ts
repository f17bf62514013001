import { dumpYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { networkFenceCrd } from '../../lib/local/crds/network-fence.ts';

// The CRD is written in client-node's model names; what reaches the API server is its serializer's output,
// which drops keys it does not know (a wire name such as `x-kubernetes-validations` in the object would vanish).
describe('the NetworkFence CRD on the wire', () => {
  // dumpYaml serializes as the API clients do (and is how to print it for `kubectl apply -f -`).
  const wire = parse(dumpYaml(networkFenceCrd));
  const version = wire.spec.versions[0];
  const spec = version.schema.openAPIV3Schema.properties.spec;

  it('is cluster-scoped csiaddons.openshift.io/v1alpha1, served and stored, with a status subresource', () => {
    expect(wire.spec).toMatchObject({ group: 'csiaddons.openshift.io', scope: 'Cluster' });
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
  });

  it("keeps upstream's validation: required fields, the fenceState enum and default, the CEL rules", () => {
    expect(spec.required).toEqual(['cidrs', 'fenceState']);
    expect(spec.properties.fenceState).toMatchObject({ enum: ['Fenced', 'Unfenced'], default: 'Fenced' });
    expect(spec['x-kubernetes-validations'].map((r: { message: string }) => r.message)).toEqual([
      'one of driver or networkFenceClassName must be present',
      'secret must be present when networkFenceClassName is not specified',
    ]);
    expect(spec.properties.driver['x-kubernetes-validations']).toEqual([
      { rule: 'self == oldSelf', message: 'driver is immutable' },
    ]);
  });
});
