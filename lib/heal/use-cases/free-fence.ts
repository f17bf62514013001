import type { Freeing } from '../../store/freeing.ts';
import { fenceResult, networkFence, networkFenceName } from '../render/network-fence.ts';
import { noteBlocked } from './blocked.ts';
import { type FreeAct, lookAgain, recordImageStep, settle } from './image-steps.ts';
import { outcomeOfChanges, type StepResult, secondsSince } from './record.ts';

/**
 * The Kubernetes-native path: a NetworkFence for the lost node's addresses (ceph-csi, through csi-addons,
 * blocklists them), then, once it says Succeeded, the node's stale VolumeAttachments of this volume are
 * deleted if the attach/detach controller has not done it. Where no controller answers, capstan says so
 * and stops: it never reports an image freed that nobody freed.
 */
export const freeWithFence = async (
  act: FreeAct & { readonly freeing: Extract<Freeing, { via: 'network-fence' }> },
): Promise<StepResult> => {
  const { deps, ctx, look, block } = act;
  const record = (step: Parameters<typeof recordImageStep>[3]) => recordImageStep(deps, look.cause, ctx, step);
  if (!(await noteBlocked(deps, act.heal, 'network-fence', block))) return { outcome: 'superseded' };
  // Every address noted for the node, not only this look's: re-applying never drops a CIDR fenced before.
  const addresses = [...new Set([...(act.heal.blocked?.addresses ?? []), ...block])].sort();
  const cr = networkFence(ctx.node, addresses, 'Fenced', act.freeing.networkFence);
  const [applied] = await ctx.gateway.apply([cr]);
  await record({
    action: 'rbd.fence',
    outcome: applied?.outcome === 'unchanged' ? 'unchanged' : applied?.outcome === 'created' ? 'created' : 'configured',
    reason: `NetworkFence ${cr.metadata?.name} Fenced for ${ctx.node}: ${(cr.spec.cidrs as string[]).join(', ')}`,
  });

  const live = await ctx.gateway.readNetworkFence(networkFenceName(ctx.node));
  const waited = secondsSince(act.heal.blocked?.at, deps.now()) ?? 0;
  // A fence being deleted (a person, or a finalizer at work) fences nothing, whatever its status says.
  const answer = live?.deleting ? undefined : live;
  const result = fenceResult(answer, waited, deps.settings.fencePatienceSeconds);
  if (result.result === 'failed') {
    return settle(
      deps,
      ctx,
      look,
      'refused',
      'fence-failed',
      `csi-addons could not fence ${ctx.node}: ${result.message}`,
    );
  }
  if (result.result === 'pending') {
    if (result.silent) {
      const reason = `no csi-addons controller answered NetworkFence ${networkFenceName(ctx.node)} in ${waited}s: ${ctx.at.image} is not freed (is csi-addons installed?)`;
      return settle(deps, ctx, look, 'refused', 'fence-unanswered', reason);
    }
    const reason = `waiting for csi-addons to fence ${ctx.node} (${waited}s)`;
    await record({ action: 'rbd.fence', outcome: 'progressing', reason });
    await lookAgain(deps, ctx, look, deps.settings.fence.recheckSeconds);
    return { outcome: 'progressing' };
  }

  // A VolumeAttachment deleted while a pod of the node still uses the volume comes back (the attach/detach
  // controller's resync): only once part 1 saw the node's pods gone does capstan delete what is left.
  const stale = act.heal.podsGoneAt
    ? (await ctx.gateway.listVolumeAttachmentsOfVolume(act.image.persistentVolume)).filter((va) => va.node === ctx.node)
    : [];
  if (stale.length > 0) {
    const changes: string[] = [];
    for (const va of stale) changes.push(await ctx.gateway.deleteVolumeAttachment(va.name));
    await record({
      action: 'rbd.detach',
      outcome: outcomeOfChanges(changes),
      reason: `deleted ${ctx.node}'s VolumeAttachments ${stale.map((va) => va.name).join(', ')} (the node is fenced)`,
    });
  }
  const reason = `${ctx.at.image} is free: csi-addons fenced ${ctx.node} (${addresses.join(', ')})`;
  const details = { blocked: addresses, detached: stale.map((va) => va.name) };
  return settle(deps, ctx, look, 'freed', undefined, reason, details, { via: 'network-fence', blocked: addresses });
};
