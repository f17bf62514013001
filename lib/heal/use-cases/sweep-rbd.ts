import type { RbdLockDetected } from '../../../events/index.ts';
import { InvalidInputError, messageOf } from '../../errors.ts';
import type { EventView } from '../../kube/events.ts';
import type { RbdLockCandidates } from '../../sources/rbd-symptoms.ts';
import type { Cluster } from '../../store/clusters.ts';
import { recentSymptoms } from '../decisions/rbd-symptoms.ts';
import type { HealDeps } from '../ports.ts';

/**
 * The reader of RBD symptoms (lib/sources/rbd-symptoms.ts `rbdSymptomReader`), handed to the sweep as a port (a
 * domain calls no adapter): the Event reasons it reads, and its reading of one Event, the same the exporter's
 * route makes of the same Event (lib/sources/kube-candidates.ts), with the same id.
 */
export interface RbdSymptomReader {
  readonly reasons: readonly string[];
  read(event: EventView, receivedAt: Date, cluster: string): RbdLockCandidates;
}

export interface RbdSweepDeps extends Pick<HealDeps, 'kube' | 'enqueue' | 'now'> {
  readonly symptoms: RbdSymptomReader;
}

export interface RbdSweep {
  readonly cluster: string;
  /** The pods (`namespace/name`) an rbd.lock.detected was sent for, one per occurrence. */
  readonly detected?: readonly string[];
  /** Recent Warning Events of those reasons that are no RBD symptom (another volume type, a timeout...). */
  readonly ignored?: number;
  readonly error?: string;
}

/**
 * capstan's own detection of RBD images held elsewhere, for clusters with no event forwarder: each cluster's
 * recent Warning Events of the symptom reasons (FailedMount, FailedAttachVolume; one field-selected list per
 * reason) become rbd.lock.detected candidates on the heal queue. An occurrence keeps its id across sweeps and
 * across the exporter's sinks (uid + count + time), so the sweep a minute later, or the exporter reporting the
 * same Event, is the same event, which the consumer's idempotency record drops. Kept apart from the node sweep
 * (./sweep.ts): a cluster whose ClusterRole predates `events list` refuses this read and still has its nodes
 * swept. A cluster that does not answer is skipped (the probe records it), the others are swept all the same.
 */
export const sweepRbdSymptoms = (deps: RbdSweepDeps, clusters: readonly Cluster[]): Promise<RbdSweep[]> =>
  Promise.all(clusters.map((cluster) => sweepCluster(deps, cluster)));

const sweepCluster = async (deps: RbdSweepDeps, cluster: Cluster): Promise<RbdSweep> => {
  try {
    const gateway = await deps.kube(cluster);
    const now = deps.now();
    const events = recentSymptoms(await gateway.listWarningEvents(deps.symptoms.reasons), now);
    const detected: RbdLockDetected[] = [];
    let ignored = 0;
    for (const event of events) {
      const candidates = readOne(deps.symptoms, event, now, cluster.name);
      detected.push(...candidates);
      if (candidates.length === 0) ignored += 1;
    }
    // Heard by capstan itself: the id stays the Event's, only the source says who heard it.
    for (const candidate of detected) await deps.enqueue({ ...candidate, source: 'capstan/sweep' });
    return { cluster: cluster.name, detected: detected.map((c) => `${c.data.namespace}/${c.data.pod}`), ignored };
  } catch (error) {
    return { cluster: cluster.name, error: messageOf(error) };
  }
};

/** An Event the reader refuses (a pod name the contract refuses) is one Event passed over, not a failed sweep. */
const readOne = (reader: RbdSymptomReader, event: EventView, now: Date, cluster: string): RbdLockDetected[] => {
  try {
    return reader.read(event, now, cluster).events;
  } catch (error) {
    if (error instanceof InvalidInputError) return [];
    throw error;
  }
};
