import type { ConnectCeph } from '../ceph/ports.ts';
import type { ConnectGateway } from '../kube/gateway.ts';
import type { Tell } from '../notify/tell.ts';
import type { Enqueue } from '../queue/send.ts';
import type { Store } from '../store/ports.ts';
import type { HealSettings } from './settings.ts';

/**
 * Everything a healing use case touches, injected: functions/heal.ts and the sweep wire the real adapters
 * (lib/lambda/wiring.ts), unit tests the in-memory doubles (test/doubles/).
 */
export interface HealDeps {
  readonly store: Store;
  /** The Kubernetes gateway of a registered cluster. */
  readonly kube: ConnectGateway;
  /** The Ceph gateway of a cluster that frees RBD images directly (its `freeing.via` is `ceph`). */
  readonly ceph: ConnectCeph;
  /** The addresses capstan itself runs at: never blocked from Ceph. */
  readonly selfAddresses: readonly string[];
  readonly enqueue: Enqueue;
  /** Notices of the steps people hear of (../notify/tell.ts): best effort, never failing the step. */
  readonly tell: Tell;
  readonly now: () => Date;
  readonly settings: HealSettings;
}
