import { z } from 'zod';
import { ClusterRejectedError } from '../errors.ts';
import type { KubeClients } from './connect.ts';
import { isNotFound, translateKubeError } from './errors.ts';
import { type Change, retryOnConflict } from './optimistic.ts';

// csi-addons' NetworkFence (cluster-scoped custom resource): capstan applies it with the gateway's
// server-side apply (lib/kube/apply.ts resolves custom kinds by discovery), reads its result here and
// deletes it once unfenced. Where the CRD is not installed there is no NetworkFence to read or delete
// (undefined, `unchanged`), and an apply is refused for good (HTTP 404 on discovery): capstan cannot fence
// that way on that cluster, and says so rather than waiting.

export const NETWORK_FENCE_TYPE = { apiVersion: 'csiaddons.openshift.io/v1alpha1', kind: 'NetworkFence' } as const;

const ConditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.unknown().optional(),
});

/** The fields capstan reads, as upstream's API types name them (api/csiaddons/v1alpha1/networkfence_types.go). */
const NetworkFenceSchema = z.object({
  metadata: z.object({
    name: z.string(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    deletionTimestamp: z.unknown().optional(),
  }),
  spec: z.object({
    fenceState: z.enum(['Fenced', 'Unfenced']),
    cidrs: z.array(z.string()),
    driver: z.string().optional(),
    networkFenceClassName: z.string().optional(),
    secret: z.object({ name: z.string().optional(), namespace: z.string().optional() }).optional(),
    parameters: z.record(z.string(), z.string()).optional(),
  }),
  // `Succeeded` or `Failed` from the csi-addons controller; left a string so an unknown value reads as
  // "no answer" (lib/heal/render/network-fence.ts fenceResult) rather than as a broken object.
  status: z
    .object({
      result: z.string().optional(),
      message: z.string().optional(),
      conditions: z.array(ConditionSchema).optional(),
    })
    .optional(),
});

type NetworkFence = z.infer<typeof NetworkFenceSchema>;

export interface NetworkFenceView {
  readonly name: string;
  readonly spec: NetworkFence['spec'];
  /** Absent until a csi-addons controller answers (and forever where none runs). */
  readonly status?: NetworkFence['status'];
  /** Deletion requested; a finalizer of the csi-addons controller holds it until it has unfenced. */
  readonly deleting: boolean;
}

const header = (name: string) => ({ ...NETWORK_FENCE_TYPE, metadata: { name } });

const read = async (kube: KubeClients, name: string): Promise<NetworkFence | undefined> => {
  const object = await kube.objects.read(header(name)).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (!object) return undefined;
  const parsed = NetworkFenceSchema.safeParse(object);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ClusterRejectedError(kube.cluster, `NetworkFence ${name}: ${issue?.path.join('.')} ${issue?.message}`);
  }
  return parsed.data;
};

/** A NetworkFence, fresh; undefined when it does not exist (or the CRD is not installed). */
export const readNetworkFence = async (kube: KubeClients, name: string): Promise<NetworkFenceView | undefined> => {
  try {
    const fence = await read(kube, name);
    if (!fence) return undefined;
    return {
      name,
      spec: fence.spec,
      ...(fence.status ? { status: fence.status } : {}),
      deleting: fence.metadata.deletionTimestamp !== undefined,
    };
  } catch (error) {
    return translateKubeError(kube.cluster, error);
  }
};

/**
 * Deletes a NetworkFence (once it is Unfenced). `unchanged` when it is gone or going already: a second
 * call never deletes anything the first did not, not even a new fence of the same name made since.
 */
export const deleteNetworkFence = async (kube: KubeClients, name: string): Promise<Change> => {
  try {
    return await retryOnConflict(async () => {
      const current = await read(kube, name);
      if (!current || current.metadata.deletionTimestamp !== undefined) return 'unchanged';
      const preconditions = { uid: current.metadata.uid, resourceVersion: current.metadata.resourceVersion };
      await kube.objects.delete(header(name), undefined, undefined, undefined, undefined, undefined, {
        preconditions,
      });
      return 'changed';
    });
  } catch (error) {
    if (isNotFound(error)) return 'unchanged';
    return translateKubeError(kube.cluster, error);
  }
};
