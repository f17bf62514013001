import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * Did an apply change what it owns? A resourceVersion bump alone does not say so: controllers write
 * status (a Deployment's, right after every change) between our read and our apply. So compare only what
 * the apply owns: the applied fields' values read from the object before and after, and the set of fields
 * the manager owns (which changes when an apply drops a field, e.g. a removed label or port).
 */
export const changedByApply = (
  applied: KubernetesObject,
  before: KubernetesObject,
  after: KubernetesObject,
  manager: string,
): boolean => {
  if (before.metadata?.resourceVersion === after.metadata?.resourceVersion) return false;
  const values = (o: KubernetesObject) => JSON.stringify(project(applied, o));
  return values(before) !== values(after) || ownedFields(before, manager) !== ownedFields(after, manager);
};

/** The parts of `value` at the paths `shape` has; an array of another length is taken whole. */
export const project = (shape: unknown, value: unknown): unknown => {
  if (Array.isArray(shape)) {
    return Array.isArray(value) && value.length === shape.length ? shape.map((s, i) => project(s, value[i])) : value;
  }
  if (shape && typeof shape === 'object') {
    if (!value || typeof value !== 'object') return value;
    const v = value as Record<string, unknown>;
    return Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, project(s, v[k])]));
  }
  return value;
};

const ownedFields = (o: KubernetesObject, manager: string) =>
  JSON.stringify(o.metadata?.managedFields?.find((f) => f.manager === manager && f.operation === 'Apply')?.fieldsV1);
