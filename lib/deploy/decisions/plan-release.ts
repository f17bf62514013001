import type { KubernetesObject } from '@kubernetes/client-node';
import type { DeployRequested } from '../../../events/index.ts';
import type { AppSpec } from '../../apps/spec.ts';
import { messageOf } from '../../errors.ts';
import { renderApp } from '../render/app.ts';
import { renderManifests } from '../render/manifests.ts';
import { type Applied, requestedImages } from './images.ts';
import { checkPolicy } from './policy.ts';

export interface EnvironmentPolicy {
  readonly name: string;
  readonly protected: boolean;
}

export type ReleasePlan =
  | {
      readonly ok: true;
      readonly manifests: KubernetesObject[];
      readonly namespace: string;
      /** `app`: rendered from the registered spec; `request`: from the request's inline workload. */
      readonly source: 'app' | 'request';
      /** Whether a failed rollout of this release brings back the last good one (the app's setting). */
      readonly autoRollback: boolean;
    }
  | { readonly ok: false; readonly reasons: readonly string[] };

/**
 * What a deploy request would apply, or every reason it may not. A registered app is rendered from its
 * spec and must pass the policy gates (the request's inline workload fields are then ignored: the spec is
 * the source of truth). An unregistered app may be released from the request alone, but never into a
 * protected environment, which takes only apps whose spec declares probes, limits and a QoS tier.
 * Containers the request gives no image for keep the one `current` (the release it builds on) runs.
 */
export const planRelease = (
  request: DeployRequested['data'],
  app: AppSpec | undefined,
  environment: EnvironmentPolicy,
  current?: Applied,
): ReleasePlan => {
  if (!app) {
    if (environment.protected) {
      return {
        ok: false,
        reasons: [
          `${environment.name} is protected: only apps registered with \`capstan apps add\` (probes, limits, QoS tier) are released there`,
        ],
      };
    }
    if (request.container !== undefined || request.images !== undefined) {
      return {
        ok: false,
        reasons: [`container and images name containers of a registered app; ${request.app} is not registered`],
      };
    }
    return {
      ok: true,
      manifests: renderManifests(request),
      namespace: request.namespace,
      source: 'request',
      autoRollback: true,
    };
  }
  const settings = app.environments[environment.name];
  if (!settings) {
    return {
      ok: false,
      reasons: [`app ${app.name} has no environment ${environment.name} in its spec (add it under environments)`],
    };
  }
  if (request.container !== undefined && !app.containers.some((c) => c.name === request.container)) {
    return { ok: false, reasons: [`image: app ${app.name} has no container "${request.container}"`] };
  }
  const { autoscaling } = settings;
  // With autoscaling the count is the HPA's (its min is what it starts from) or, with hpa false, max.
  const replicas = autoscaling
    ? autoscaling.hpa
      ? autoscaling.min
      : autoscaling.max
    : (settings.replicas ?? app.replicas);
  const images = requestedImages(request, app, current);
  const violations = checkPolicy({ app, environment, images, replicas, autoscaling });
  if (violations.length > 0) return { ok: false, reasons: violations.map((v) => `${v.rule}: ${v.reason}`) };
  try {
    const manifests = renderApp({
      app,
      environment: environment.name,
      images,
      replicas,
      hpaManaged: settings.autoscaled,
      autoscaling,
    });
    return { ok: true, manifests, namespace: app.namespace, source: 'app', autoRollback: settings.autoRollback };
  } catch (error) {
    return { ok: false, reasons: [messageOf(error)] };
  }
};
