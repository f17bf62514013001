import type { CephGateway } from '../../ceph/ports.ts';
import type { Freeing } from '../../store/freeing.ts';
import { ipOf } from '../decisions/rbd-free.ts';
import { noteBlocked } from './blocked.ts';
import { type FreeAct, lookAgain, recordImageStep, settle } from './image-steps.ts';
import { type StepResult, secondsSince } from './record.ts';

const outcomeOf = (change: 'changed' | 'unchanged') => (change === 'changed' ? 'configured' : 'unchanged');

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
  for (const ip of block) {
    const started = Date.now();
    const change = await ceph.blocklistAdd(ip, act.freeing.blocklistExpireSeconds);
    await record({
      action: 'rbd.blocklist',
      outcome: outcomeOf(change),
      reason: `blocklisted ${ip} (every client of ${ctx.node}) for ${act.freeing.blocklistExpireSeconds}s`,
      details: { ip, expireSeconds: act.freeing.blocklistExpireSeconds, ms: Date.now() - started },
    });
  }

  const status = await ceph.imageStatus(ctx.key.pool, ctx.key.image);
  if (!status) return settle(deps, ctx, look, 'refused', 'not-found', `Ceph has no image ${ctx.at.image} any more`);
  const blocked = (address: string) => block.includes(ipOf(address) ?? '');
  const removed: string[] = [];
  for (const lock of status.locks.filter((l) => blocked(l.address))) {
    const change = await ceph.removeLock(ctx.key.pool, ctx.key.image, lock);
    removed.push(`${lock.locker} ${lock.id}`);
    await record({
      action: 'rbd.unlock',
      outcome: outcomeOf(change),
      reason: `broke ${lock.locker}'s lock "${lock.id}" on ${ctx.at.image} (from ${lock.address}, blocklisted)`,
      details: { lock: lock.id, locker: lock.locker, address: lock.address },
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
