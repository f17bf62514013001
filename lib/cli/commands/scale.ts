import { randomUUID } from 'node:crypto';
import { InvalidInputError, messageOf, NotFoundError } from '../../errors.ts';
import { connector } from '../../kube/connect.ts';
import { type ConnectGateway, gatewayConnector } from '../../kube/gateway.ts';
import type { Cluster } from '../../store/clusters.ts';
import { dynamoStore } from '../../store/dynamo.ts';
import type { Store } from '../../store/ports.ts';
import { type WorkloadKey, workloadName } from '../../store/scale-overrides.ts';
import { actor } from '../actor.ts';
import { openDb } from '../connect.ts';
import type { EndpointOptions } from '../post-event.ts';
import {
  type ClusterScale,
  type LiveScale,
  liveHpa,
  overrideView,
  renderScale,
  type ScaleView,
} from '../render/scale.ts';
import { requestEvent } from '../request.ts';
import { checkManualMax, type EffectiveScaling, effectiveScaling, type ScaleFlags, scaleMode } from '../scale-args.ts';

export interface ScaleOptions extends ScaleFlags, EndpointOptions {
  readonly json?: boolean;
}

/**
 * `capstan scale <app> --env <env> [--cluster <c>]`: the spec's scaling, capstan's override and the live HPA
 * (or Deployment) per cluster; with `--max N [--for 1h]` or `--revert`, asks for a manual override on one
 * cluster with a scale.requested event (through the HTTP edge, like `capstan rollback`), checked against the
 * spec here first. The scaling use case applies it under the workload's lease and records the outcome.
 */
export const scaleCommand = async (app: string, o: ScaleOptions, out: (line: string) => void) => {
  const mode = scaleMode(o);
  const { db, close } = await openDb();
  try {
    const store = dynamoStore(db);
    const { namespace, spec } = await scalingOf(store, app, o.env);
    const clusters = await clustersOf(store, o.env, mode.cluster);
    if (mode.kind === 'show') {
      const view = await scaleView(
        store,
        gatewayConnector(connector()),
        { app, namespace, env: o.env, spec },
        clusters,
      );
      out(o.json ? JSON.stringify(view, null, 2) : renderScale(view));
      // Scripts can tell "nothing could be read" from a fleet where one cluster is down (reported above).
      if (view.clusters.length > 0 && view.clusters.every((c) => !c.live.reachable)) process.exitCode = 1;
      return;
    }
    if (mode.kind === 'set') checkManualMax(mode.max, spec, `${app} in ${o.env}`);
    const id = randomUUID();
    const answer = await requestEvent(
      mode.kind === 'set' ? 'scale' : 'revert the override',
      {
        id,
        type: 'scale.requested',
        subject: `${app}/${o.env}/${mode.cluster}`,
        data: {
          app,
          environment: o.env,
          cluster: mode.cluster,
          ...(mode.kind === 'set'
            ? { max: mode.max, ...(mode.forSeconds !== undefined ? { forSeconds: mode.forSeconds } : {}) }
            : { revert: true }),
          requestedBy: actor(),
        },
      },
      o,
    );
    if (o.json) return out(JSON.stringify({ eventId: answer.accepted, queue: answer.queue }, null, 2));
    const what =
      mode.kind === 'set'
        ? `max ${mode.max} for ${app} in ${o.env} on ${mode.cluster} (${mode.forSeconds !== undefined ? `for ${mode.forSeconds}s` : `for the spec's burstFor, ${spec.burstForSeconds}s`})`
        : `revert of ${app}'s override in ${o.env} on ${mode.cluster} to the spec's max ${spec.max}`;
    out(`scale.requested ${answer.accepted} sent: ${what}`);
    out(
      `follow it with \`capstan scale ${app} --env ${o.env} --cluster ${mode.cluster}\` or \`capstan history ${app} --env ${o.env} --cluster ${mode.cluster} --action scale\``,
    );
  } finally {
    close();
  }
};

/** The app's namespace and its scaling in the environment; a clear refusal for each thing that is not there. */
const scalingOf = async (
  store: Pick<Store, 'apps'>,
  app: string,
  env: string,
): Promise<{ namespace: string; spec: EffectiveScaling }> => {
  const record = await store.apps.find(app);
  if (!record) throw new NotFoundError(`app ${app} is not registered (see \`capstan apps list\`)`);
  const environment = record.spec.environments[env];
  if (!environment) {
    const known = Object.keys(record.spec.environments).sort();
    throw new InvalidInputError('cannot scale', [
      `app ${app} has no environment ${env} (it has: ${known.length ? known.join(', ') : 'none'})`,
    ]);
  }
  if (!environment.autoscaling) {
    throw new InvalidInputError('cannot scale', [
      `app ${app} has no autoscaling in ${env}: add environments.${env}.autoscaling to its spec (\`capstan apps add\`)`,
    ]);
  }
  return { namespace: record.spec.namespace, spec: effectiveScaling(environment.autoscaling) };
};

/** The environment's clusters, or the one named, which must be registered in that environment. */
const clustersOf = async (store: Pick<Store, 'clusters'>, env: string, name: string | undefined) => {
  const clusters = await store.clusters.ofEnvironment(env);
  if (!name) return clusters;
  const found = clusters.find((c) => c.name === name);
  if (found) return [found];
  const elsewhere = await store.clusters.get(name).catch(() => undefined);
  if (!elsewhere) throw new NotFoundError(`cluster ${name} is not registered (see \`capstan clusters list\`)`);
  throw new InvalidInputError('cannot scale', [
    `cluster ${name} is in environment ${elsewhere.environment}, not ${env}`,
  ]);
};

interface Target {
  readonly app: string;
  readonly namespace: string;
  readonly env: string;
  readonly spec: EffectiveScaling;
}

export const scaleView = async (
  store: Pick<Store, 'overrides'>,
  kube: ConnectGateway,
  t: Target,
  clusters: readonly Cluster[],
  now = new Date(),
): Promise<ScaleView> => {
  const workload = { namespace: t.namespace, kind: 'Deployment' as const, name: t.app };
  const rows = await Promise.all(
    clusters.map(async (cluster): Promise<ClusterScale> => {
      const key: WorkloadKey = { cluster: cluster.name, workload };
      const record = await store.overrides.get(key);
      // The release names the HPA after the app; the override record says which one capstan last set.
      const live = await liveScale(kube, cluster, t, record?.hpa ?? t.app);
      return { cluster: cluster.name, override: record ? overrideView(record, t.spec, now) : null, live };
    }),
  );
  return { app: t.app, environment: t.env, workload: workloadName({ workload }), spec: t.spec, clusters: rows };
};

const liveScale = async (kube: ConnectGateway, cluster: Cluster, t: Target, hpaName: string): Promise<LiveScale> => {
  try {
    const gateway = await kube(cluster);
    if (t.spec.hpa) {
      const hpa = await gateway.readHpa(t.namespace, hpaName);
      return { reachable: true, hpa: hpa ? liveHpa(hpa) : null, deployment: null };
    }
    const deployment = await gateway.readDeployment(t.namespace, t.app);
    return {
      reachable: true,
      hpa: null,
      deployment: deployment
        ? { replicas: deployment.spec?.replicas ?? 0, readyReplicas: deployment.status?.readyReplicas ?? 0 }
        : null,
    };
  } catch (error) {
    return { reachable: false, error: messageOf(error) };
  }
};
