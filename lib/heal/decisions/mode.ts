import type { Cluster } from '../../store/clusters.ts';
import type { HealMode } from '../../store/heals.ts';
import type { EnvironmentPolicy } from '../../store/ports.ts';

/**
 * How a cluster heals a lost node: its own setting, else its environment's, else the default, which is
 * `approve` where production rules apply (a person decides before a node of a protected environment is
 * fenced) and `auto` elsewhere.
 */
export const healModeOf = (
  cluster: Pick<Cluster, 'healMode'>,
  environment: Pick<EnvironmentPolicy, 'protected' | 'healMode'>,
): HealMode => cluster.healMode ?? environment.healMode ?? (environment.protected ? 'approve' : 'auto');
