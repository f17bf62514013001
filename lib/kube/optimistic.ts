import { ApiException, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

/** What an idempotent action did to the cluster: the second of two identical calls is `unchanged`. */
export type Change = 'changed' | 'unchanged';

/** A JSON merge patch (RFC 7386): objects merge, lists and scalars are replaced, `null` removes a field. */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

const isConflict = (error: unknown): boolean => error instanceof ApiException && error.code === 409;

/**
 * Read, decide, write with the read's resourceVersion as the write's precondition: a 409 means another
 * writer (a person, the node lifecycle controller, another capstan consumer) changed the object between
 * our read and our write, so read again and decide again. A lost race never overwrites the other write,
 * and the outcome describes our own write only. After `attempts` the last 409 is thrown (retryable).
 */
export const retryOnConflict = async <T>(attempt: () => Promise<T>, attempts = 5): Promise<T> => {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isConflict(error) || tried >= attempts) throw error;
      // A little jitter, so writers that collided once do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * tried));
    }
  }
};
