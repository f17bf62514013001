import type { ConnectGateway } from '../kube/gateway.ts';
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
  readonly now: () => Date;
  readonly settings: ScaleSettings;
}
