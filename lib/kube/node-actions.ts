import type { V1Node, V1Taint } from '@kubernetes/client-node';
import { FIELD_MANAGER } from './apply.ts';
import type { KubeClients } from './connect.ts';
import { translateKubeError } from './errors.ts';
import type { NodeTaint, TaintRef } from './nodes.ts';
import { type Change, mergePatch, retryOnConflict } from './optimistic.ts';

// Fencing and its undo, each idempotent: the second of two identical calls is `unchanged`. Every write
// carries the resourceVersion it was decided on (see optimistic.ts), so `changed` means this call wrote
// it. Not that no earlier call did: a write whose answer was lost (a dropped connection) is retried and
// then reads `unchanged`. Who fenced a node is therefore not told by the outcome: healing must record it
// before it acts (its history, or a mark written with the change). A missing node is a terminal error
// (the caller read it a moment ago; it has been deleted since).

/** Marks the node unschedulable (`kubectl cordon`). */
export const cordon = (kube: KubeClients, name: string): Promise<Change> => setUnschedulable(kube, name, true);

/** Lets the node take pods again (`kubectl uncordon`). */
export const uncordon = (kube: KubeClients, name: string): Promise<Change> => setUnschedulable(kube, name, false);

/** Adds the taint, or sets its value if the node has the key and effect with another value. */
export const addTaint = (kube: KubeClients, name: string, taint: NodeTaint): Promise<Change> =>
  editTaints(kube, name, (taints) => {
    const present = taints.find((t) => sameTaint(t, taint));
    if (present && (present.value ?? '') === (taint.value ?? '')) return undefined;
    // As kubectl: a NoExecute taint records when it was added, which tolerationSeconds count from.
    const timeAdded = taint.effect === 'NoExecute' ? (taint.timeAdded ?? new Date().toISOString()) : undefined;
    return [...taints.filter((t) => !sameTaint(t, taint)), { ...taint, timeAdded }];
  });

/** Removes the taint with this key and effect, whatever its value. */
export const removeTaint = (kube: KubeClients, name: string, taint: TaintRef): Promise<Change> =>
  editTaints(kube, name, (taints) =>
    taints.some((t) => sameTaint(t, taint)) ? taints.filter((t) => !sameTaint(t, taint)) : undefined,
  );

const sameTaint = (a: Pick<WireTaint, 'key' | 'effect'>, b: TaintRef) => a.key === b.key && a.effect === b.effect;

const setUnschedulable = (kube: KubeClients, name: string, unschedulable: boolean) =>
  writeNode(kube, name, (node) =>
    (node.spec?.unschedulable === true) === unschedulable
      ? undefined
      : // `null` removes the field, as `kubectl uncordon` leaves it.
        { spec: { unschedulable: unschedulable || null } },
  );

/**
 * Taints are one list that others write too (the node lifecycle controller adds `unreachable`, people add
 * their own): the list is rewritten whole, so it must be the list as read, or a concurrent taint is lost.
 */
const editTaints = (
  kube: KubeClients,
  name: string,
  edit: (taints: readonly WireTaint[]) => readonly WireTaint[] | undefined,
) =>
  writeNode(kube, name, (node) => {
    const edited = edit((node.spec?.taints ?? []).map(wireTaint));
    if (!edited) return undefined;
    return { spec: { taints: edited.length ? edited : null } };
  });

/** A taint as sent back to the API server: its date as an RFC 3339 string, no empty value. */
interface WireTaint {
  readonly key: string;
  readonly effect: string;
  readonly value?: string;
  readonly timeAdded?: string;
}

const wireTaint = ({ key, value, effect, timeAdded }: V1Taint): WireTaint => ({
  key,
  effect,
  value: value || undefined,
  timeAdded: timeAdded?.toISOString(),
});

/** Read the node, decide the patch (undefined: nothing to do), write it if the node has not moved since. */
const writeNode = async (
  kube: KubeClients,
  name: string,
  decide: (node: V1Node) => Record<string, unknown> | undefined,
): Promise<Change> => {
  try {
    return await retryOnConflict(async () => {
      const node = await kube.core.readNode({ name });
      const patch = decide(node);
      if (!patch) return 'unchanged';
      const body = { ...patch, metadata: { resourceVersion: node.metadata?.resourceVersion } };
      await kube.core.patchNode({ name, body, fieldManager: FIELD_MANAGER }, mergePatch);
      return 'changed';
    });
  } catch (error) {
    return translateKubeError(kube.cluster, error);
  }
};
