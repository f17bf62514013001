/** A Kubernetes condition's status, as every kind reports it. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

const STATUSES: readonly string[] = ['True', 'False', 'Unknown'] satisfies ConditionStatus[];

const isConditionStatus = (status: string | undefined): status is ConditionStatus =>
  status !== undefined && STATUSES.includes(status);

/** A condition's status; anything else than the three (or no condition at all) is `Unknown`. */
export const conditionStatus = (status: string | undefined): ConditionStatus =>
  isConditionStatus(status) ? status : 'Unknown';
