import type { NodeHeal } from '../../store/heals.ts';
import type { HealDeps } from '../ports.ts';
import { fencePatienceSeconds, fenceResult, networkFence, networkFenceName } from '../render/network-fence.ts';
import { type Look, type NodeContext, recordHealStep, secondsSince } from './record.ts';

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
      for (const ip of blocked.addresses) {
        const change = await ceph.blocklistRemove(ip);
        await record({
          action: 'rbd.unblock',
          outcome: change === 'changed' ? 'configured' : 'unchanged',
          reason: `lifted the blocklist entry of ${ip} (${ctx.node} is back and its old pods are gone)`,
        });
      }
    }
  } else {
    const name = networkFenceName(ctx.node);
    const live = await ctx.gateway.readNetworkFence(name);
    if (live) {
      if (live.spec?.fenceState !== 'Unfenced' && freeing?.via === 'network-fence') {
        const [applied] = await ctx.gateway.apply([
          networkFence(ctx.node, blocked.addresses, 'Unfenced', freeing.networkFence),
        ]);
        await record({
          action: 'rbd.unfence',
          outcome: applied?.outcome === 'unchanged' ? 'unchanged' : 'configured',
          reason: `NetworkFence ${name} Unfenced`,
        });
      }
      const waited = secondsSince(heal.recoveredAt, deps.now()) ?? 0;
      const result = fenceResult(
        live.spec?.fenceState === 'Unfenced' ? live : undefined,
        waited,
        fencePatienceSeconds(deps.settings.fence.recheckSeconds),
      );
      if (result.result === 'pending' && !result.silent) return 'waiting';
      const said =
        result.result === 'pending'
          ? 'no csi-addons controller answered; '
          : result.result === 'failed'
            ? `csi-addons said Failed (${result.message}); `
            : '';
      const change = await ctx.gateway.deleteNetworkFence(name);
      await record({
        action: 'rbd.unfence',
        outcome: result.result === 'failed' ? 'failed' : change === 'changed' ? 'configured' : 'unchanged',
        ...(result.result === 'failed' ? { code: 'fence-failed' as const } : {}),
        reason: `${said}deleted NetworkFence ${name}`,
      });
    }
  }
  const now = deps.now().toISOString();
  await deps.store.heals.advance(heal, [heal.phase], heal.phase, { unblockedAt: now, updatedAt: now });
  return 'done';
};
