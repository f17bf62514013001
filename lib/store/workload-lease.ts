import type { WorkloadRef } from '../../events/scale-check.ts';

/**
 * How a workload of a cluster is named in keys, leases and messages: pure, no table, so the domains reach it
 * through lib/store/ports.ts (re-exported there and from scale-overrides.ts).
 */
export interface WorkloadKeyLike {
  readonly cluster: string;
  readonly workload: WorkloadRef;
}

/** `namespace/Kind/name`: how a workload is named in keys, leases and messages. */
export const workloadName = ({ workload: w }: Pick<WorkloadKeyLike, 'workload'>) =>
  `${w.namespace}/${w.kind}/${w.name}`;

/**
 * The lease that keeps a release, a scaling step and any other writer of one workload from running at once:
 * `workload/<cluster>/<namespace>/<Kind>/<name>` in the table's lease records.
 */
export const workloadLease = (key: WorkloadKeyLike) => `workload/${key.cluster}/${workloadName(key)}`;
