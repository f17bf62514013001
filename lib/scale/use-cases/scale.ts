import type { HpaThresholdHit, ScaleCheck, ScaleRequested } from '../../../events/index.ts';
import { InvalidInputError } from '../../errors.ts';
import type { ScaleDeps } from '../ports.ts';

export type ScaleEvent = HpaThresholdHit | ScaleCheck | ScaleRequested;

/** One scaling step on one workload, under the workload's lease. Being built (issue 12). */
export const scale = async (event: ScaleEvent, _deps: ScaleDeps): Promise<unknown> => {
  throw new InvalidInputError(`scaling is being built: ${event.type} is not handled yet`);
};
