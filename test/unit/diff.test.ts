import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { diffApplied } from '../../lib/kube/diff.ts';

const applied = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'web@sha256:new' }] } } },
} as KubernetesObject;

const live = (image: string, replicas: number, extra: object = {}) =>
  ({
    ...applied,
    metadata: { ...applied.metadata, resourceVersion: '7', uid: 'u' },
    spec: {
      replicas,
      strategy: {},
      template: { spec: { containers: [{ name: 'web', image, imagePullPolicy: 'IfNotPresent' }] } },
    },
    status: { replicas },
    ...extra,
  }) as KubernetesObject;

describe('diffApplied', () => {
  it('names each changed applied field with old and new values', () => {
    expect(diffApplied(applied, live('web@sha256:old', 2), live('web@sha256:new', 3))).toEqual([
      'Deployment/web spec.replicas: 2 -> 3',
      'Deployment/web spec.template.spec.containers[0].image: "web@sha256:old" -> "web@sha256:new"',
    ]);
  });

  it('is empty when only server-owned fields differ', () => {
    expect(
      diffApplied(applied, live('web@sha256:new', 3), live('web@sha256:new', 3, { status: { replicas: 9 } })),
    ).toEqual([]);
  });

  it('says created for an object that does not exist yet', () => {
    expect(diffApplied(applied, undefined, live('web@sha256:new', 3))).toEqual(['Deployment/web: created']);
  });
});
