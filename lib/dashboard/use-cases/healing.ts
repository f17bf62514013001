import { isSettledPhase } from '../../heal/decisions/operator.ts';
import type { NodeHeal } from '../../store/heals.ts';
import type { ImageHeal } from '../../store/image-heals.ts';
import type { DashboardReads } from '../ports.ts';

/** Nodes, then RBD images, each as `capstan heal list --all --json` prints them. */
export interface HealingView {
  readonly nodes: readonly NodeHeal[];
  readonly images: readonly ImageHeal[];
}

/** An image heal is under way while it waits (its holder not yet proven gone); freed and refused are over. */
const imageActive = (h: ImageHeal) => h.phase === 'waiting';
const nodeActive = (h: NodeHeal) => !isSettledPhase(h.phase);

const activeThenNewest = <T extends { updatedAt: string }>(all: readonly T[], active: (h: T) => boolean): T[] =>
  [...all].sort((a, b) => Number(active(b)) - Number(active(a)) || b.updatedAt.localeCompare(a.updatedAt));

/** `GET /api/heals`: every heal record of every cluster; active ones first, then the newest settled ones. */
export const healingView = async (reads: DashboardReads): Promise<HealingView> => {
  const clusters = (await reads.clusters()).map((c) => c.name);
  const [nodes, images] = await Promise.all([
    Promise.all(clusters.map((c) => reads.heals(c))),
    Promise.all(clusters.map((c) => reads.imageHeals(c))),
  ]);
  return { nodes: activeThenNewest(nodes.flat(), nodeActive), images: activeThenNewest(images.flat(), imageActive) };
};

export const isActiveHeal = { node: nodeActive, image: imageActive };
