import type { ConnectGateway } from '../kube/gateway.ts';
import type { Tell } from '../notify/tell.ts';
import type { Enqueue } from '../queue/send.ts';
import type { Store } from '../store/ports.ts';
import type { ScaleSettings } from './settings.ts';

/**
 * Everything a scaling use case touches, injected: functions/scale.ts wires the real adapters
 * (lib/lambda/wiring.ts), unit tests the in-memory doubles (test/doubles/).
 */
export interface ScaleDeps {
  readonly store: Store;
  /** The Kubernetes gateway of a registered cluster. */
  readonly kube: ConnectGateway;
  readonly enqueue: Enqueue;
  /** Notices of the steps people hear of (../notify/tell.ts): best effort, never failing the step. */
  readonly tell: Tell;
  readonly now: () => Date;
  readonly settings: ScaleSettings;
}
