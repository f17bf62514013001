import type { HpaThresholdHit, ScaleCheck, ScaleRequested, WorkloadRef } from '../../../events/index.ts';
import type { Autoscaling } from '../../apps/autoscaling.ts';
import type { AppSpec } from '../../apps/spec.ts';
import { NotFoundError } from '../../errors.ts';
import type { KubeGateway } from '../../kube/gateway.ts';
import type { ReasonCode } from '../../reasons.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { WorkloadKey } from '../../store/scale-overrides.ts';
import type { ScaleDeps } from '../ports.ts';
import type { ScaleAt } from './record.ts';

/** A workload capstan may scale: its registered cluster, that cluster's gateway, and the app that runs it. */
export interface WorkloadContext {
  readonly cluster: Cluster;
  readonly gateway: KubeGateway;
  readonly key: WorkloadKey;
  readonly app: AppSpec;
  readonly environment: string;
  readonly autoscaling: Autoscaling;
  readonly at: ScaleAt;
}

/** Why an event names nothing capstan scales, and where that is recorded. */
export interface Unknown {
  readonly unknown: true;
  readonly code: ReasonCode;
  readonly reason: string;
  readonly at: ScaleAt;
}

type Found = WorkloadContext | Unknown;

const registered = async (deps: ScaleDeps, name: string): Promise<Cluster | undefined> =>
  deps.store.clusters.get(name).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });

/**
 * The workload an event is about, read fresh: an alert's HPA resolved to what it scales (its
 * `scaleTargetRef`), then the registered app that runs that Deployment in the cluster's environment with
 * autoscaling. Anything else is an unknown cluster or workload: recorded and left alone, never retried.
 */
export const targetOf = async (
  deps: ScaleDeps,
  event: HpaThresholdHit | ScaleCheck | ScaleRequested,
): Promise<Found> => {
  const name = event.data.cluster;
  if (name === undefined) {
    return { unknown: true, code: 'not-found', reason: 'the alert names no cluster (add a cluster label)', at: {} };
  }
  const cluster = await registered(deps, name);
  if (!cluster) {
    return { unknown: true, code: 'not-found', reason: `cluster ${name} is not registered`, at: { cluster: name } };
  }
  const gateway = await deps.kube(cluster);
  const at: ScaleAt = { cluster: name, environment: cluster.environment };
  if (event.type === 'scale.requested') {
    const found = await deps.store.apps.find(event.data.app);
    if (!found) return unknownWorkload(at, `app ${event.data.app} is not registered`);
    if (event.data.environment !== cluster.environment) {
      return unknownWorkload(
        at,
        `cluster ${name} is in environment ${cluster.environment}, not ${event.data.environment}`,
      );
    }
    const workload: WorkloadRef = { namespace: found.spec.namespace, kind: 'Deployment', name: found.spec.name };
    return appContext(cluster, gateway, workload, found.spec, at);
  }
  const workload = event.type === 'scale.check' ? event.data.workload : await workloadOf(gateway, event);
  if ('unknown' in workload) return { ...workload, at };
  const found = await deps.store.apps.find(workload.name);
  if (!found || found.spec.namespace !== workload.namespace || workload.kind !== 'Deployment') {
    return unknownWorkload(
      { ...at, workload },
      `no registered app runs ${workload.kind} ${workload.namespace}/${workload.name}`,
    );
  }
  return appContext(cluster, gateway, workload, found.spec, { ...at, workload });
};

const appContext = (
  cluster: Cluster,
  gateway: KubeGateway,
  workload: WorkloadRef,
  app: AppSpec,
  at: ScaleAt,
): Found => {
  const where = { ...at, app: app.name, workload };
  const autoscaling = app.environments[cluster.environment]?.autoscaling;
  if (!autoscaling) {
    return unknownWorkload(where, `app ${app.name} has no autoscaling in environment ${cluster.environment}`);
  }
  return {
    cluster,
    gateway,
    key: { cluster: cluster.name, workload },
    app,
    environment: cluster.environment,
    autoscaling,
    at: where,
  };
};

const unknownWorkload = (at: ScaleAt, reason: string): Unknown => ({
  unknown: true,
  code: 'unknown-workload',
  reason,
  at,
});

/** What an alert's target scales: a Deployment as named, an HPA's `scaleTargetRef`. */
const workloadOf = async (
  gateway: KubeGateway,
  event: HpaThresholdHit,
): Promise<WorkloadRef | { unknown: true; code: ReasonCode; reason: string }> => {
  const { namespace, target } = event.data;
  if (target.kind !== 'HorizontalPodAutoscaler') return { namespace, kind: target.kind, name: target.name };
  const hpa = await gateway.readHpa(namespace, target.name);
  if (!hpa) {
    return { unknown: true, code: 'unknown-workload', reason: `HPA ${namespace}/${target.name} does not exist` };
  }
  const [kind, name] = hpa.target.split('/');
  if ((kind !== 'Deployment' && kind !== 'StatefulSet') || !name) {
    return { unknown: true, code: 'unknown-workload', reason: `HPA ${namespace}/${target.name} scales ${hpa.target}` };
  }
  return { namespace, kind, name };
};
