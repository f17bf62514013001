import type { ScaleOverride } from '../../store/scale-overrides.ts';
import type { DashboardReads } from '../ports.ts';

/** `GET /api/overrides`: the scaling overrides in force on every cluster, as stored, soonest to end first. */
export const activeOverrides = async (reads: DashboardReads): Promise<ScaleOverride[]> => {
  const clusters = (await reads.clusters()).map((c) => c.name);
  const lists = await Promise.all(clusters.map((c) => reads.overrides(c)));
  return lists
    .flat()
    .filter((o) => o.state === 'active')
    .sort((a, b) => a.endsAt.localeCompare(b.endsAt));
};
