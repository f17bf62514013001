import type { HealCheck, NodeLost, NodeRecovered } from '../../../events/index.ts';
import type { HealDeps } from '../ports.ts';

export type HealEvent = NodeLost | NodeRecovered | HealCheck;

/** One step of healing one node (being written: see issue 10). */
export const heal = async (event: HealEvent, _deps: HealDeps): Promise<unknown> => {
  throw new Error(`healing is not wired yet (${event.type})`);
};
