import type { NodeHeal } from '../../store/heals.ts';
import type { HealDeps } from '../ports.ts';

/**
 * Notes on the node's heal which addresses are (about to be) blocked from Ceph and how, before the block:
 * recovery (./unblock.ts) lifts whatever is noted, so a step that dies between the note and the block
 * leaves nothing behind that nobody knows of. Addresses already noted are kept. False when the heal moved
 * on meanwhile: then nothing is blocked.
 */
export const noteBlocked = async (
  deps: Pick<HealDeps, 'store' | 'now'>,
  heal: NodeHeal,
  via: 'ceph' | 'network-fence',
  addresses: readonly string[],
): Promise<boolean> => {
  const noted = heal.blocked?.addresses ?? [];
  if (heal.blocked?.via === via && addresses.every((a) => noted.includes(a))) return true;
  const now = deps.now().toISOString();
  const blocked = { via, addresses: [...new Set([...noted, ...addresses])], at: heal.blocked?.at ?? now };
  return deps.store.heals.advance(heal, [heal.phase], heal.phase, { blocked, updatedAt: now });
};
