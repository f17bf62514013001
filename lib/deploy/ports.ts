import type { ConnectGateway } from '../kube/gateway.ts';
import type { Enqueue } from '../queue/send.ts';
import type { Store } from '../store/ports.ts';
import type { RolloutTiming } from './settings.ts';

/**
 * Everything a release use case touches, injected: the functions wire the real adapters
 * (lib/lambda/wiring.ts), unit tests the in-memory doubles (test/doubles/).
 */
export interface DeployDeps {
  readonly store: Store;
  /** The Kubernetes gateway of a registered cluster. */
  readonly kube: ConnectGateway;
  readonly enqueue: Enqueue;
  readonly now: () => Date;
  readonly rollout: RolloutTiming;
  /** Roll an environment back to its last successful release when a rollout fails. */
  readonly autoRollback: boolean;
  /**
   * The digest a Docker Hub tag points at now (Docker Hub's webhook sends none); absent, such pushes are
   * recorded as skipped. `refused` when the registry says no (unknown tag, private repository); throws when
   * it cannot answer now (the push is retried).
   */
  readonly dockerHubDigest?: (repository: string, tag: string) => Promise<{ digest: string } | { refused: string }>;
}
