import type { NodeHeal } from '../../store/heals.ts';
import type { HealDeps } from '../ports.ts';
import { networkFence, networkFenceName } from '../render/network-fence.ts';
import { type Look, type NodeContext, outcomeOfChanges, recordHealStep, secondsSince } from './record.ts';

/**
 * Lifts what freeing blocked for a node (./blocked.ts), once it is back and nothing references it any
 * more (the same moment recovery removes the out-of-service taint, ../decisions/recovery.ts): its Ceph
 * blocklist entries, or its NetworkFence (Unfenced, then deleted). Says whether it is done; `waiting`
 * while csi-addons has not answered the Unfenced yet. Idempotent: lifting twice changes nothing.
 */
export const unblock = async (
  deps: HealDeps,
  ctx: NodeContext,
  heal: NodeHeal,
  look: Look,
): Promise<'done' | 'waiting'> => {
  const blocked = heal.blocked;
  if (!blocked || heal.unblockedAt) return 'done';
  const record = (step: Parameters<typeof recordHealStep>[3]) => recordHealStep(deps, look.cause, ctx.at, step);
  const freeing = ctx.cluster.freeing;
  if (blocked.via === 'ceph') {
    if (freeing?.via !== 'ceph') {
      // Nothing capstan can reach any more: say so loudly, and let recovery go on.
      const reason = `${ctx.node}'s addresses ${blocked.addresses.join(', ')} stay blocklisted: ${ctx.cluster.name} no longer registers its Ceph, so lift them by hand (ceph osd blocklist rm <ip>:0/0)`;
      await record({ action: 'rbd.unblock', outcome: 'failed', code: 'no-freeing', reason });
    } else {
      const ceph = await deps.ceph(ctx.cluster.name, freeing.ceph);
      const lifted: Record<string, string> = {};
      for (const ip of blocked.addresses) lifted[ip] = await ceph.blocklistRemove(ip);
      await record({
        action: 'rbd.unblock',
        outcome: outcomeOfChanges(Object.values(lifted)),
        reason: `lifted the blocklist entries of ${blocked.addresses.join(', ')} (${ctx.node} is back and its old pods are gone)`,
        details: { addresses: lifted },
      });
    }
  } else if ((await unfence(deps, ctx, heal, record)) === 'waiting') {
    return 'waiting';
  }
  const now = deps.now().toISOString();
  await deps.store.heals.advance(heal, [heal.phase], heal.phase, { unblockedAt: now, updatedAt: now });
  return 'done';
};

/**
 * The NetworkFence path: Unfenced first, then, once csi-addons says it unfenced (its message speaks of
 * unfencing: the status left from fencing says Succeeded too, so a bare Succeeded proves nothing), the CR
 * is deleted. With no such answer within its patience, counted from the Unfenced, the CR is deleted all the
 * same (its deletion asks csi-addons to undo the fence, if a controller runs) and the history says so.
 */
const unfence = async (
  deps: HealDeps,
  ctx: NodeContext,
  heal: NodeHeal,
  record: (step: Parameters<typeof recordHealStep>[3]) => Promise<unknown>,
): Promise<'done' | 'waiting'> => {
  const name = networkFenceName(ctx.node);
  const live = await ctx.gateway.readNetworkFence(name);
  if (!live) return 'done';
  const freeing = ctx.cluster.freeing;
  if (live.spec.fenceState !== 'Unfenced' && freeing?.via === 'network-fence') {
    const addresses = heal.blocked?.addresses ?? [];
    const [applied] = await ctx.gateway.apply([networkFence(ctx.node, addresses, 'Unfenced', freeing.networkFence)]);
    const now = deps.now().toISOString();
    await deps.store.heals.advance(heal, [heal.phase], heal.phase, { unfencingAt: now, updatedAt: now });
    await record({
      action: 'rbd.unfence',
      outcome: applied?.outcome === 'unchanged' ? 'unchanged' : 'configured',
      reason: `NetworkFence ${name} Unfenced`,
    });
    return 'waiting';
  }
  const waited = secondsSince(heal.unfencingAt, deps.now()) ?? 0;
  const unfenced = live.status?.result === 'Succeeded' && /unfenc/i.test(live.status.message ?? '');
  const failed = live.status?.result === 'Failed' && /unfenc/i.test(live.status.message ?? '');
  const patience = deps.settings.fencePatienceSeconds;
  if (!unfenced && !failed && waited <= patience) return 'waiting';
  const said = unfenced
    ? `csi-addons unfenced ${ctx.node}`
    : failed
      ? `csi-addons could not unfence ${ctx.node} (${live.status?.message})`
      : `no csi-addons controller confirmed the Unfenced in ${waited}s`;
  const change = await ctx.gateway.deleteNetworkFence(name);
  await record({
    action: 'rbd.unfence',
    outcome: failed ? 'failed' : unfenced ? (change === 'changed' ? 'configured' : 'unchanged') : 'skipped',
    ...(failed ? { code: 'fence-failed' as const } : unfenced ? {} : { code: 'fence-unanswered' as const }),
    reason: `${said}; deleted NetworkFence ${name}`,
  });
  return 'done';
};
