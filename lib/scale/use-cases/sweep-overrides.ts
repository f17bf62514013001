import type { Cluster } from '../../store/clusters.ts';
import type { ScaleDeps } from '../ports.ts';
import { scaleCheck } from '../render/events.ts';

/** An override this long past its end with no revert has lost its chain of looks (a crash, a look given up). */
export const STALE_OVERRIDE_SECONDS = 120;

/**
 * Part of the scheduled sweep: an override still in force well past its end is nudged with the expiry look
 * it should have had (the same event from every sweep within an hour, so the consumer's idempotency keeps one, and a new one the next hour should that one not have put it back), and
 * the consumer reverts it as the chain would have. Nothing else is judged here.
 */
export const sweepOverrides = async (deps: ScaleDeps, clusters: readonly Cluster[]) => {
  const now = deps.now();
  const nudged: string[] = [];
  await Promise.all(
    clusters.map(async (cluster) => {
      for (const o of await deps.store.overrides.list(cluster.name)) {
        if (o.state !== 'active' || Date.parse(o.endsAt) + STALE_OVERRIDE_SECONDS * 1000 > now.getTime()) continue;
        const look = { cluster: cluster.name, workload: o.workload, signal: 'expired' as const };
        await deps.enqueue(
          scaleCheck(
            {
              ...look,
              cause: `sweep:${o.eventId}:${Math.floor(now.getTime() / 3_600_000)}`,
              attempt: 0,
              dueAt: o.endsAt,
              raise: o.eventId,
            },
            now,
          ),
        );
        nudged.push(`${cluster.name}/${o.workload.namespace}/${o.workload.name}`);
      }
    }),
  );
  return nudged;
};
