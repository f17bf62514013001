import { type KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import { changedByApply } from './change.ts';
import type { KubeClients } from './connect.ts';
import { isNotFound, translateKubeError } from './errors.ts';

/** One field manager for everything capstan applies, so ownership of fields is stable across releases. */
export const FIELD_MANAGER = 'capstan';

/** What an apply did to one object; `unchanged` is the second apply of the same object. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  readonly kind: string;
  readonly name: string;
  readonly outcome: ApplyOutcome;
  readonly object: KubernetesObject;
  /** The live object before the apply; absent when it did not exist. */
  readonly before?: KubernetesObject;
}

/**
 * Server-side apply, idempotent by construction: applying the same object twice changes nothing, and
 * says `unchanged` (see change.ts for how that is told from `configured`).
 */
export const applyObject = async (
  kube: KubeClients,
  object: KubernetesObject,
  options: { dryRun?: boolean } = {},
): Promise<ApplyResult> => {
  const header = { apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata } as const;
  const name = object.metadata?.name ?? '';
  try {
    const before = await kube.objects.read(header as Parameters<typeof kube.objects.read>[0]).catch((error) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    const after = await kube.objects.patch(
      object,
      undefined,
      options.dryRun ? 'All' : undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
    const outcome = !before
      ? 'created'
      : changedByApply(object, before, after, FIELD_MANAGER)
        ? 'configured'
        : 'unchanged';
    return { kind: object.kind ?? '', name, outcome, object: after, before };
  } catch (error) {
    return translateKubeError(kube.cluster, error);
  }
};

/**
 * Applies objects, results in the order given: cluster-scoped ones (a Namespace) first, one by one, since
 * the others may live in them; then the namespaced ones all at once (a Deployment and its Service do not
 * depend on each other), which saves a round trip per object on every cluster of every release.
 */
export const applyAll = async (
  kube: KubeClients,
  objects: readonly KubernetesObject[],
  options = {},
): Promise<ApplyResult[]> => {
  const results = new Map<KubernetesObject, ApplyResult>();
  for (const object of objects.filter((o) => !o.metadata?.namespace)) {
    results.set(object, await applyObject(kube, object, options));
  }
  const namespaced = objects.filter((o) => o.metadata?.namespace);
  const applied = await Promise.all(namespaced.map((object) => applyObject(kube, object, options)));
  for (const [i, object] of namespaced.entries()) results.set(object, applied[i] as ApplyResult);
  return objects.map((object) => results.get(object) as ApplyResult);
};
