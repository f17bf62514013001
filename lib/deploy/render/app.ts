import type {
  KubernetesObject,
  V1Container,
  V1Deployment,
  V1Namespace,
  V1Probe,
  V1Service,
  V1ServicePort,
} from '@kubernetes/client-node';
import { checkImageRef } from '../../../events/image-ref.ts';
import type { Autoscaling } from '../../apps/autoscaling.ts';
import type { AppSpec, Container, Probe } from '../../apps/spec.ts';
import { InvalidInputError, messageOf } from '../../errors.ts';
import { resourcesFor } from '../decisions/qos.ts';
import { renderHpa } from './hpa.ts';
import { LABELS } from './manifests.ts';

export interface RenderAppInput {
  readonly app: AppSpec;
  readonly environment: string;
  /** The reference to deploy (a digest reference in protected environments) for the first container. */
  readonly image?: string;
  /** References for the other containers, by container name (may also override the first one's). */
  readonly images?: Readonly<Record<string, string>>;
  /** Defaults to the environment's replicas, then the app's. */
  readonly replicas?: number;
  /** An HorizontalPodAutoscaler owns the replica count: the Deployment is rendered without `replicas`. */
  readonly hpaManaged?: boolean;
  /**
   * capstan's own autoscaling (defaults to the environment's): with `hpa` an HPA is rendered and owns the
   * count (as hpaManaged); without, the Deployment runs `max` replicas and there is no HPA.
   */
  readonly autoscaling?: Autoscaling;
}

/**
 * The image each container runs, in container order: `images[name]`, else `image` for the first one.
 * Never a guess from the container's repository: that would be an unpinned `:latest`.
 */
export const containerImages = (
  app: AppSpec,
  image: string | undefined,
  images: Readonly<Record<string, string>> = {},
): (string | undefined)[] => app.containers.map((c, i) => images[c.name] ?? (i === 0 ? image : undefined));

/** One Service port per container port, named as renderManifests names them (unique even for 53/TCP + 53/UDP). */
export const servicePorts = (app: AppSpec): (V1ServicePort & { container: string })[] =>
  app.containers.flatMap((c) =>
    c.ports.map((p) => ({
      container: c.name,
      name: p.name ?? `${p.protocol.toLowerCase()}-${p.containerPort}`,
      port: p.containerPort,
      targetPort: p.containerPort,
      protocol: p.protocol,
    })),
  );

/**
 * The objects that run an app in one environment, in apply order: Namespace, Deployment, then a Service
 * when any container declares ports, then the HorizontalPodAutoscaler with autoscaling (hpa.ts), after the
 * Deployment it scales. Labels follow renderManifests (manifests.ts), so stampRevision and
 * rollout tracking work the same; resources follow the app's QoS tier (qos.ts). Pure and deterministic:
 * the same input renders the same JSON (object keys in a fixed order, env in the spec's order, which
 * `$(VAR)` references depend on), which is what makes a second apply `unchanged`.
 *
 * Throws InvalidInputError for what can never be applied (a container without an image, a bad
 * reference or quantity); checkPolicy (policy.ts) reports the same things as violations beforehand.
 */
export const renderApp = (input: RenderAppInput): KubernetesObject[] => {
  const { app, environment } = input;
  const labels = { [LABELS.name]: app.name, [LABELS.managedBy]: 'capstan', [LABELS.environment]: environment };
  const selector = { [LABELS.name]: app.name };
  const images = containerImages(app, input.image, input.images);
  const autoscaling = input.autoscaling ?? app.environments[environment]?.autoscaling;
  const hpa = autoscaling?.hpa === true;
  const replicas =
    autoscaling && !hpa ? autoscaling.max : (input.replicas ?? app.environments[environment]?.replicas ?? app.replicas);

  const namespace: V1Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: app.namespace, labels: { [LABELS.managedBy]: 'capstan' } },
  };
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app.name, namespace: app.namespace, labels },
    spec: {
      // Server-side apply: a field left out of the applied object is not ours, so with an HPA the count
      // stays the HPA's and a release never resets a scaled-out Deployment. Caveat: a field capstan owned
      // alone and then stops applying is removed, i.e. back to the default 1. Switching an existing
      // Deployment to HPA-managed is safe once the HPA has scaled it (its write through the scale
      // subresource takes the field over); test/integration/quota.test.ts shows both cases.
      ...(input.hpaManaged || hpa ? {} : { replicas }),
      revisionHistoryLimit: 10,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: { containers: app.containers.map((c, i) => renderContainer(app, c, images[i])) },
      },
    },
  };
  const objects: KubernetesObject[] = [namespace, deployment];
  const ports = servicePorts(app);
  if (ports.length > 0) {
    const service: V1Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: app.name, namespace: app.namespace, labels },
      spec: { selector, ports: ports.map(({ container: _, ...port }) => port) },
    };
    objects.push(service);
  }
  if (autoscaling && hpa) objects.push(renderHpa({ name: app.name, namespace: app.namespace, labels }, autoscaling));
  return objects;
};

const renderContainer = (app: AppSpec, c: Container, image: string | undefined): V1Container => {
  if (image === undefined) {
    throw new InvalidInputError(`container "${c.name}" has no image to deploy (give it in images)`);
  }
  const ref = checkImageRef(image);
  if (typeof ref === 'string')
    throw new InvalidInputError(`container "${c.name}": image "${image}" is invalid (${ref})`);
  return {
    name: c.name,
    image,
    ...(c.ports.length > 0
      ? {
          ports: c.ports.map((p) => ({
            ...(p.name ? { name: p.name } : {}),
            containerPort: p.containerPort,
            protocol: p.protocol,
          })),
        }
      : {}),
    ...(Object.keys(c.env).length > 0 ? { env: Object.entries(c.env).map(([name, value]) => ({ name, value })) } : {}),
    ...(c.probes.liveness ? { livenessProbe: renderProbe(c.probes.liveness) } : {}),
    ...(c.probes.readiness ? { readinessProbe: renderProbe(c.probes.readiness) } : {}),
    ...(c.limits ? { resources: containerResources(app, c.name, c.limits) } : {}),
  };
};

const containerResources = (app: AppSpec, name: string, limits: NonNullable<Container['limits']>) => {
  try {
    const resources = resourcesFor(app.qos, limits, app.cpuOvercommit);
    return { requests: { ...resources.requests }, limits: { ...resources.limits } };
  } catch (error) {
    throw new InvalidInputError(`container "${name}": ${messageOf(error)}`);
  }
};

/**
 * The spec's probe as a Kubernetes probe. Only the fields given: the API server fills in its defaults
 * (timeoutSeconds 1, periodSeconds 10, failureThreshold 3, scheme HTTP), which capstan then does not own.
 */
export const renderProbe = (p: Probe): V1Probe => ({
  ...(p.httpGet ? { httpGet: { path: p.httpGet.path, port: p.httpGet.port } } : {}),
  ...(p.tcpSocket ? { tcpSocket: { port: p.tcpSocket.port } } : {}),
  ...(p.exec ? { exec: { command: [...p.exec.command] } } : {}),
  ...(p.initialDelaySeconds !== undefined ? { initialDelaySeconds: p.initialDelaySeconds } : {}),
  ...(p.periodSeconds !== undefined ? { periodSeconds: p.periodSeconds } : {}),
  ...(p.failureThreshold !== undefined ? { failureThreshold: p.failureThreshold } : {}),
});
