import type { HealKey } from '../../store/heals.ts';
import type { HealDeps } from '../ports.ts';

/**
 * Runs one step on a node under its lease (heal/<cluster>/<node>), so a second consumer, a sweep's event or
 * a person's approval never works the same node at once: while another holds it, acquiring throws the
 * retryable ConflictError and this message comes back later. Released when the step ends, however it ends.
 */
export const withNodeLease = async <T>(
  deps: Pick<HealDeps, 'store' | 'now' | 'settings'>,
  heal: HealKey,
  holder: string,
  step: () => Promise<T>,
): Promise<T> => {
  await deps.store.heals.acquireLease(heal, holder, deps.settings.leaseSeconds, deps.now().getTime());
  try {
    return await step();
  } finally {
    await deps.store.heals.releaseLease(heal, holder);
  }
};
