import type { KubeGateway } from '../../kube/gateway.ts';
import type { Cluster } from '../../store/clusters.ts';
import { isActiveHeal } from '../../store/ports.ts';
import { healModeOf } from '../decisions/mode.ts';
import { lookAgainAfter } from '../decisions/node-lost.ts';
import type { HealDeps } from '../ports.ts';
import { healCheck } from '../render/events.ts';
import { fence } from './fence.ts';
import { proveLost, verdictDetails } from './look.ts';
import { type Look, type NodeAt, recordHealStep } from './record.ts';

/**
 * A node is said to be lost (a forwarded event, a sweep, a person): prove it on a fresh read, record the
 * verdict with its figures whatever it is, and only then start a heal in the cluster's mode. A node not (yet)
 * proven lost is looked at again when the verdict says another look may decide otherwise (a delayed
 * heal.check); a node being healed already is left to the heal under way.
 */
export const prove = async (deps: HealDeps, cluster: Cluster, gateway: KubeGateway, node: string, c: Look) => {
  const at: NodeAt = { cluster: cluster.name, environment: cluster.environment, node };
  const existing = await deps.store.heals.get(cluster.name, node);
  if (existing && isActiveHeal(existing.phase)) {
    const reason = `node ${node} is being healed already (phase ${existing.phase}, since ${existing.suspectedAt})`;
    await recordHealStep(deps, c.cause, at, {
      action: 'heal.prove',
      outcome: 'unchanged',
      code: 'already-healing',
      reason,
    });
    return { outcome: 'unchanged' as const, phase: existing.phase };
  }

  const verdict = await proveLost(deps, gateway, node);
  const details = { ...verdictDetails(verdict), attempt: c.attempt };
  if (!verdict.lost) {
    const after = lookAgainAfter(verdict, deps.settings.fence.recheckSeconds * 6);
    const again = after !== undefined && c.attempt < deps.settings.maxRechecks;
    const reason = again ? `${verdict.reason}; looking again in ${after}s` : verdict.reason;
    await recordHealStep(deps, c.cause, at, {
      action: 'heal.prove',
      outcome: 'skipped',
      code: verdict.code,
      reason,
      details,
    });
    if (again) {
      const next = healCheck(cluster.name, node, c.origin, c.attempt + 1, deps.now(), 'prove');
      await deps.enqueue(next, { delaySeconds: after });
    }
    return { outcome: 'skipped' as const, code: verdict.code };
  }

  await recordHealStep(deps, c.cause, at, {
    action: 'heal.prove',
    outcome: 'succeeded',
    reason: verdict.reason,
    details,
  });
  const mode = healModeOf(cluster, await deps.store.environments.policy(cluster.environment));
  const now = deps.now().toISOString();
  const { record, created } = await deps.store.heals.start({
    cluster: cluster.name,
    node,
    mode,
    eventId: c.origin,
    suspectedAt: now,
  });
  if (!created) {
    // Another look proved it at the same moment and started the heal: that one carries it on.
    const reason = `node ${node} is being healed already (phase ${record.phase})`;
    await recordHealStep(deps, c.cause, at, {
      action: 'heal.start',
      outcome: 'unchanged',
      code: 'already-healing',
      reason,
    });
    return { outcome: 'unchanged' as const, phase: record.phase };
  }
  if (mode === 'observe') {
    const reason = `node ${node} is lost; ${cluster.name} heals in observe mode, so nothing is done`;
    await recordHealStep(deps, c.cause, at, { action: 'heal.start', outcome: 'skipped', code: 'observe-mode', reason });
    return { outcome: 'skipped' as const, code: 'observe-mode' as const };
  }
  if (mode === 'approve') {
    await deps.store.heals.advance(record, ['suspected'], 'awaiting-approval', { updatedAt: now });
    const reason = `node ${node} is lost; fencing waits for \`capstan heal approve ${cluster.name} ${node}\``;
    await recordHealStep(deps, c.cause, at, {
      action: 'heal.start',
      outcome: 'pending',
      code: 'awaiting-approval',
      reason,
    });
    return { outcome: 'pending' as const };
  }
  await deps.store.heals.advance(record, ['suspected'], 'fencing', { fencingAt: now, updatedAt: now });
  await recordHealStep(deps, c.cause, at, {
    action: 'heal.start',
    outcome: 'accepted',
    reason: `node ${node} is lost; fencing it (auto mode)`,
  });
  return fence(deps, cluster, gateway, node, { cause: c.cause, origin: c.origin, attempt: c.attempt });
};
