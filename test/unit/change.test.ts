import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { changedByApply, project } from '../../lib/kube/change.ts';

const applied = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
};

const live = (rv: string, patch: { image?: string; replicas?: number; status?: object; fields?: object }) => ({
  ...applied,
  metadata: {
    ...applied.metadata,
    resourceVersion: rv,
    uid: 'u',
    managedFields: [{ manager: 'capstan', operation: 'Apply', fieldsV1: patch.fields ?? { 'f:spec': {} } }],
  },
  spec: {
    replicas: patch.replicas ?? 2,
    strategy: { type: 'RollingUpdate' },
    template: {
      spec: { containers: [{ name: 'web', image: patch.image ?? 'web:1', imagePullPolicy: 'IfNotPresent' }] },
    },
  },
  status: patch.status ?? {},
});

describe('changedByApply', () => {
  it.each([
    ['same resourceVersion', live('1', {}), live('1', {}), false],
    ['only status moved (a controller wrote it)', live('1', {}), live('2', { status: { replicas: 2 } }), false],
    ['the image changed', live('1', {}), live('2', { image: 'web:2' }), true],
    ['replicas changed', live('1', {}), live('2', { replicas: 3 }), true],
    [
      'the owned field set changed (a field was dropped)',
      live('1', {}),
      live('2', { fields: { 'f:metadata': {} } }),
      true,
    ],
  ])('%s -> %s', (_name, before, after, changed) => {
    expect(
      changedByApply(applied as KubernetesObject, before as KubernetesObject, after as KubernetesObject, 'capstan'),
    ).toBe(changed);
  });
});

describe('project', () => {
  it('keeps only the shape’s paths, and takes arrays of another length whole', () => {
    expect(project({ a: { b: 1 } }, { a: { b: 2, c: 3 }, d: 4 })).toEqual({ a: { b: 2 } });
    expect(project([{ n: 1 }], [{ n: 5, x: 1 }])).toEqual([{ n: 5 }]);
    expect(project([{ n: 1 }], [{ n: 5 }, { n: 6 }])).toEqual([{ n: 5 }, { n: 6 }]);
    expect(project({ a: 1 }, undefined)).toBeUndefined();
  });
});
