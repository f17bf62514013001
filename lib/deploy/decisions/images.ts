import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import type { DeployRequested } from '../../../events/index.ts';
import type { AppSpec } from '../../apps/spec.ts';
import type { Release } from '../../store/releases.ts';

/**
 * Which image each container of an app runs. A release stores the objects it applied, so the images it
 * set are read back from its Deployment: that is what makes a sidecar push change only the sidecar, and
 * what promotion and approval carry over, without a second copy of the images to keep in step.
 */

/** What a release applied (or a plan would apply). */
export interface Applied {
  readonly manifests: readonly KubernetesObject[] | Release['manifests'];
}

/** Container name -> image of the release's Deployment (empty when it applied none). */
export const releaseImages = (release: Applied | undefined): Record<string, string> => {
  const deployment = (release?.manifests as readonly KubernetesObject[] | undefined)?.find(
    (o) => o.kind === 'Deployment',
  ) as V1Deployment | undefined;
  const containers = deployment?.spec?.template?.spec?.containers ?? [];
  return Object.fromEntries(containers.filter((c) => c.image).map((c) => [c.name, c.image as string]));
};

/** The images a release runs in the containers the app's spec still has, by container name. */
export const specImages = (app: AppSpec, release: Applied | undefined): Record<string, string> => {
  const running = releaseImages(release);
  return Object.fromEntries(
    app.containers.flatMap((c) => (running[c.name] ? [[c.name, running[c.name] as string]] : [])),
  );
};

/**
 * The release an environment's next release builds on: the newest one that did not fail or get
 * superseded. Its images are what containers a request does not name keep running.
 */
export const currentRelease = (newestFirst: readonly Release[]): Release | undefined =>
  newestFirst.find((r) => r.status !== 'failed' && r.status !== 'superseded');

/** The container a request's `image` is for: the one it names, else the app's first. */
export const targetContainer = (request: Pick<DeployRequested['data'], 'container'>, app: AppSpec): string =>
  request.container ?? (app.containers[0]?.name as string);

/** The containers a request for a registered app sets an image for: its `container`, then those in `images`. */
export const requestedContainers = (
  request: Pick<DeployRequested['data'], 'container' | 'images'>,
  app: AppSpec,
): string[] => [...new Set([targetContainer(request, app), ...Object.keys(request.images ?? {})])];

/**
 * Every image a request for a registered app deploys, by container: the current release's (for
 * containers still in the spec), then the request's `images`, then its `image` for its container. Names
 * that are not containers of the app are kept, so the policy gates can refuse them by name.
 */
export const requestedImages = (
  request: Pick<DeployRequested['data'], 'image' | 'container' | 'images'>,
  app: AppSpec,
  current: Applied | undefined,
): Record<string, string> => {
  return { ...specImages(app, current), ...request.images, [targetContainer(request, app)]: request.image };
};
