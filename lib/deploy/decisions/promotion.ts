import type { DeployRequestedData } from '../../../events/index.ts';
import type { AppSpec } from '../../apps/spec.ts';
import type { Release } from '../../store/releases.ts';
import { specImages } from './images.ts';

/**
 * What `capstan promote` and `capstan approve` ask for, decided from what was read (the app's spec, the
 * source environment's releases, the pushes waiting): the deploy request to send, or every reason not to.
 * Nothing here reads or sends; the target environment still renders the request from the spec through
 * its own gates, so promoting into production passes the production rules or is refused there.
 */

/** The `deploy.requested` data a promotion or an approval sends (the contract validates it on the way). */
export type DeployRequest = Required<
  Pick<DeployRequestedData, 'app' | 'environment' | 'image' | 'container' | 'images' | 'reason'>
>;

export interface Refused {
  readonly ok: false;
  readonly reasons: readonly string[];
}

export interface PromotionAsked {
  readonly app: string;
  /** The app's registered spec (undefined when it is not registered): the target is rendered from it. */
  readonly spec: AppSpec | undefined;
  readonly from: string;
  readonly to: string;
  /** The source environment's releases, newest first. */
  readonly fromReleases: readonly Release[];
  /** Why, for the history (default: where it came from). */
  readonly reason?: string;
}

export type Promotion = { readonly ok: true; readonly request: DeployRequest; readonly revision: number } | Refused;

/** Refusals that need nothing read, so the command can give them before it opens the table. */
export const promotionRouteRefusals = (from: string, to: string): string[] =>
  from === to ? ['--from and --to must differ'] : [];

/**
 * The images (by digest, every container's) of the newest release that succeeded in `from`, to release in
 * `to`. Only what is pinned is promoted: a tag could point elsewhere by the time `to` pulls it.
 */
export const promotionOf = (p: PromotionAsked): Promotion => {
  const route = promotionRouteRefusals(p.from, p.to);
  if (route.length > 0) return { ok: false, reasons: route };
  if (!p.spec) {
    return {
      ok: false,
      reasons: [`app ${p.app} is not registered: promotion renders the app from its spec (\`capstan apps add\`)`],
    };
  }
  const source = p.fromReleases.find((r) => r.status === 'succeeded');
  if (!source) return { ok: false, reasons: [`no release of ${p.app} succeeded in ${p.from}`] };
  // Every container's image, as the source release runs them (containers the spec has since dropped aside).
  const images = specImages(p.spec, source);
  const unpinned = Object.entries(images).filter(([, image]) => !image.includes('@sha256:'));
  if (unpinned.length > 0) {
    return {
      ok: false,
      reasons: unpinned.map(
        ([c, image]) =>
          `release #${source.revision} in ${p.from} runs ${image} in container ${c}, not pinned by digest: promote only what is pinned`,
      ),
    };
  }
  const [first] = Object.entries(images);
  if (!first) {
    return { ok: false, reasons: [`release #${source.revision} in ${p.from} runs none of ${p.app}'s containers`] };
  }
  const [container, image] = first;
  return {
    ok: true,
    revision: source.revision,
    request: {
      app: p.app,
      environment: p.to,
      image,
      container,
      images,
      reason: p.reason ?? `promoted from ${p.from} #${source.revision}`,
    },
  };
};
