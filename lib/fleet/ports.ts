import type { ConnectGateway } from '../kube/gateway.ts';
import type { Store } from '../store/ports.ts';

/** What the fleet's health probe is given. */
export interface ProbeDeps {
  readonly store: Pick<Store, 'clusters'>;
  readonly kube: ConnectGateway;
  readonly now: () => Date;
}
