import { parseImageRef } from '../../../events/image-ref.ts';
import type { AppSpec } from '../../apps/spec.ts';
import type { TagPolicy } from '../../apps/tag-policy.ts';
import { matchesTag, shouldAdvance, type TaggedImage } from '../../apps/tag-policy.ts';
import type { ReasonCode } from '../../reasons.ts';
import type { Release } from '../../store/releases.ts';
import { releaseImages } from './images.ts';
import { latestRefusal, namesLatest } from './policy.ts';

/** What a push means for one environment of one app that tracks its repository. */
export type PushDecision =
  | { readonly environment: string; readonly action: 'deploy'; readonly reason: string }
  | { readonly environment: string; readonly action: 'await-approval'; readonly reason: string }
  | {
      readonly environment: string;
      readonly action: 'skip' | 'refuse';
      readonly code: ReasonCode;
      readonly reason: string;
    };

/**
 * The image a release runs in `container` (or its requested image, for apps without a spec), as tag
 * policies compare images; undefined when there is none or its reference carries no tag.
 */
export const runningImage = (release: Release | undefined, container?: string): TaggedImage | undefined => {
  if (!release) return undefined;
  const image = container === undefined ? release.image : releaseImages(release)[container];
  const ref = image === undefined ? undefined : parseImageRef(image);
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
 * listed. `newest` is each environment's newest release: a push never moves an environment back, compared
 * with what `container` (the one running the pushed repository) runs there. A `latest` push is refused in
 * the `protectedEnvironments`, whatever the rule says: production never runs a moving tag name.
 */
export const decidePush = (
  push: TaggedImage & { readonly digest: string },
  app: AppSpec,
  container: string,
  newest: (environment: string) => Release | undefined,
  protectedEnvironments: ReadonlySet<string> = new Set(),
): PushDecision[] =>
  Object.entries(app.environments).flatMap(([environment, settings]): PushDecision[] => {
    const policy = settings.track?.tags;
    if (!policy) return [];
    if (!matchesTag(policy, push.tag)) {
      const reason = `tag ${push.tag} does not match ${describePolicy(policy)}`;
      return [{ environment, action: 'skip', code: 'no-match', reason }];
    }
    if (protectedEnvironments.has(environment) && namesLatest(push)) {
      const where = `protected environment "${environment}"`;
      return [{ environment, action: 'refuse', code: 'policy', reason: latestRefusal(`push of ${push.tag}`, where) }];
    }
    const verdict = shouldAdvance(policy, push, runningImage(newest(environment), container));
    if (!verdict.advance) return [{ environment, action: 'skip', code: verdict.code, reason: verdict.reason }];
    return settings.autoDeploy
      ? [{ environment, action: 'deploy', reason: verdict.reason }]
      : [
          {
            environment,
            action: 'await-approval',
            reason: `${verdict.reason}; waits for an approval (\`capstan approvals ${app.name} --env ${environment}\`)`,
          },
        ];
  });
