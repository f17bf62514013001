import type { CephGateway } from '../../ceph/ports.ts';
import type { Freeing } from '../../store/freeing.ts';
import { ipOf } from '../decisions/rbd-free.ts';
import { noteBlocked } from './blocked.ts';
import { type FreeAct, lookAgain, recordImageStep, settle } from './image-steps.ts';
import { outcomeOfChanges, type StepResult, secondsSince } from './record.ts';

/**
 * The direct path: blocklist the lost node's addresses through the Ceph manager, then confirm with the
 * image's own watchers and locks that the old holder is gone, and break the lock it left (the legacy path
 * needs that; a new exclusive-lock writer would break it too). A watch that lingers is looked at again in a
 * moment: a blocklisted client loses its watch at once, so the look is short.
 */
export const freeWithCeph = async (
  act: FreeAct & { readonly ceph: CephGateway; readonly freeing: Extract<Freeing, { via: 'ceph' }> },
): Promise<StepResult> => {
  const { deps, ctx, look, ceph, block } = act;
  const record = (step: Parameters<typeof recordImageStep>[3]) => recordImageStep(deps, look.cause, ctx, step);
  // Noted on the node's heal before acting, so its recovery lifts the block even if this step dies here.
  if (!(await noteBlocked(deps, act.heal, 'ceph', block))) return { outcome: 'superseded' };
  // One history entry per step, every target in it (entries of one event and action share a key).
  const started = Date.now();
  const added: Record<string, string> = {};
  for (const ip of block) added[ip] = await ceph.blocklistAdd(ip, act.freeing.blocklistExpireSeconds);
  await record({
    action: 'rbd.blocklist',
    outcome: outcomeOfChanges(Object.values(added)),
    reason: `blocklisted ${block.join(', ')} (every client of ${ctx.node} there) for ${act.freeing.blocklistExpireSeconds}s`,
    details: { addresses: added, expireSeconds: act.freeing.blocklistExpireSeconds, ms: Date.now() - started },
  });

  const status = await ceph.imageStatus(ctx.key.pool, ctx.key.image);
  if (!status) return settle(deps, ctx, look, 'refused', 'not-found', `Ceph has no image ${ctx.at.image} any more`);
  const blocked = (address: string) => block.includes(ipOf(address) ?? '');
  const stale = status.locks.filter((l) => blocked(l.address));
  const removed = stale.map((lock) => `${lock.locker} ${lock.id}`);
  if (stale.length > 0) {
    const changes: string[] = [];
    for (const lock of stale) changes.push(await ceph.removeLock(ctx.key.pool, ctx.key.image, lock));
    await record({
      action: 'rbd.unlock',
      outcome: outcomeOfChanges(changes),
      reason: `broke ${stale.map((l) => `${l.locker}'s lock "${l.id}"`).join(', ')} on ${ctx.at.image} (blocklisted)`,
      details: { locks: stale.map((l, i) => ({ ...l, change: changes[i] })) },
    });
  }
  const lingering = status.watchers.filter((w) => blocked(w.address));
  if (lingering.length > 0) {
    if (look.attempt >= deps.settings.maxRechecks) {
      const reason = `${ctx.at.image} is still watched from ${lingering.map((w) => w.address).join(', ')} after ${look.attempt} looks`;
      return settle(deps, ctx, look, 'refused', 'watch-lingers', reason);
    }
    const reason = `waiting for ${lingering.length} watch(es) from ${ctx.node} to drop`;
    await record({
      action: 'rbd.confirm',
      outcome: 'progressing',
      reason,
      details: { lingering: lingering.map((w) => w.address) },
    });
    await lookAgain(deps, ctx, look, 1);
    return { outcome: 'progressing' };
  }
  const now = deps.now();
  const details = {
    blocked: block,
    locksRemoved: removed,
    watchers: status.watchers.map((w) => w.address),
    secondsSinceDetected: secondsSince(act.image.detectedAt, now),
    secondsSinceSuspected: secondsSince(act.heal.suspectedAt, now),
    secondsSinceTainted: secondsSince(act.heal.taintedAt, now),
  };
  const reason = `${ctx.at.image} is free: ${ctx.node} (${block.join(', ')}) is blocklisted and no longer watches or locks it`;
  return settle(deps, ctx, look, 'freed', undefined, reason, details, {
    via: 'ceph',
    blocked: [...block],
    locksRemoved: removed,
  });
};
