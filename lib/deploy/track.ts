import { parseImageRef } from '../../events/image-ref.ts';
import type { AppSpec, TagPolicy } from '../apps/spec.ts';
import type { Release } from '../store/releases.ts';
import { matchesTag, shouldAdvance, type TaggedImage } from './tag-policy.ts';

/** What a push means for one environment of one app that tracks its repository. */
export type PushDecision =
  | { readonly environment: string; readonly action: 'deploy' | 'await-approval'; readonly reason: string }
  | { readonly environment: string; readonly action: 'skip'; readonly reason: string };

/** The image a release runs, as tag policies compare images; undefined when its reference carries no tag. */
export const runningImage = (release: Release | undefined): TaggedImage | undefined => {
  if (!release) return undefined;
  const ref = parseImageRef(release.image);
  if (!ref?.tag) return undefined;
  return { tag: ref.tag, digest: ref.digest, pushedAt: release.requestedAt ?? release.createdAt };
};

export const describePolicy = (policy: TagPolicy): string =>
  Object.entries(policy)
    .map(([kind, pattern]) => `${kind} ${pattern}`)
    .join('');

/**
 * For each environment of the app that tracks tags: deploy now, wait for approval, or skip (with the reason
 * the history records). Environments without a `track` rule take only explicit deploy requests and are not
 * listed. `newest` is each environment's newest release: a push never moves an environment back.
 */
export const decidePush = (
  push: TaggedImage & { readonly digest: string },
  app: AppSpec,
  newest: (environment: string) => Release | undefined,
): PushDecision[] =>
  Object.entries(app.environments).flatMap(([environment, settings]): PushDecision[] => {
    const policy = settings.track?.tags;
    if (!policy) return [];
    if (!matchesTag(policy, push.tag)) {
      return [{ environment, action: 'skip', reason: `tag ${push.tag} does not match ${describePolicy(policy)}` }];
    }
    const verdict = shouldAdvance(policy, push, runningImage(newest(environment)));
    if (!verdict.advance) return [{ environment, action: 'skip', reason: verdict.reason }];
    return settings.autoDeploy
      ? [{ environment, action: 'deploy', reason: verdict.reason }]
      : [
          {
            environment,
            action: 'await-approval',
            reason: `${verdict.reason}; waiting for \`capstan approve ${app.name} --env ${environment}\``,
          },
        ];
  });
