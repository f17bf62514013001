import type { NodeHeal } from '../../store/heals.ts';
import type { HealDeps } from '../ports.ts';
import { type Look, type NodeContext, recordHealStep } from './record.ts';

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

/** Whether capstan blocked the node's addresses from Ceph and has not lifted them yet. */
export const stillBlocked = (heal: Pick<NodeHeal, 'blocked' | 'unblockedAt'> | undefined) =>
  heal?.blocked !== undefined && heal.unblockedAt === undefined;

/**
 * A heal ending because its Node was deleted keeps the block: a deleted Node object says nothing about the
 * machine, which may be alive and cut off, its old clients waiting to write. The history says so, and the
 * node's next heal carries the block over (./prove.ts) and lifts it on that heal's recovery.
 */
export const keepBlock = async (
  deps: Pick<HealDeps, 'store' | 'now' | 'tell'>,
  ctx: NodeContext,
  heal: NodeHeal,
  look: Look,
) => {
  if (!stillBlocked(heal) || !heal.blocked) return;
  const how =
    heal.blocked.via === 'ceph' ? 'ceph osd blocklist rm <ip>:0/0' : `kubectl delete networkfence capstan-${ctx.node}`;
  await recordHealStep(deps, look.cause, ctx.at, {
    action: 'rbd.unblock',
    outcome: 'skipped',
    code: 'node-absent',
    reason: `node ${ctx.node} was deleted: ${heal.blocked.addresses.join(', ')} stay blocked (its machine may live); a new heal of ${ctx.node} lifts them on its return, or lift them by hand once the machine is gone (${how})`,
  });
};
