import { ImageRefSchema, TagSchema } from '../../../events/image-ref.ts';
import type { Requester } from '../../../events/requester.ts';
import type { CiAllow } from '../../apps/chat-ops.ts';
import type { AppSpec } from '../../apps/spec.ts';
import type { PipelineHook } from '../pipeline-hook.ts';
import { GITLAB_CHANGE_SOURCES } from './identity.ts';

/**
 * Why a GitLab pipeline webhook released nothing (the whole pipeline), or nothing into one app's
 * environment. GitLab disables a hook whose deliveries keep failing, so these are answered 2xx: they are
 * what capstan decided about a genuine pipeline, shown in the hook's "Recent events" with its code.
 */
export const PIPELINE_REASONS = {
  'other-event': 'capstan acts on Pipeline Hook events only (X-Gitlab-Event)',
  'not-succeeded': 'only a pipeline whose status is success releases',
  'change-request': 'a merge request pipeline never releases',
  'no-deploy-job': 'the pipeline has no successful deploy job (one with `environment: {name, action: start}`)',
  'not-allowed':
    "no app's environment has a gitlab `ci` entry for this project (instance and project id) and deploy environment",
  'other-ref': 'the ref is not one the `ci` entry allows',
  'protected-ref-unknown':
    'the `ci` entry allows protected refs, and a webhook does not say whether the ref is protected: name it in `refs`',
  'bad-image': 'the image to release is not a valid reference',
} as const;
export type PipelineReason = keyof typeof PIPELINE_REASONS;

export interface PipelineSkip {
  readonly code: PipelineReason;
  readonly reason: string;
  readonly app?: string;
  readonly environment?: string;
}

/** One release a pipeline asks for: the deploy job that asked (its id keeps a retried job a new request). */
export interface PipelineRequest {
  readonly app: string;
  readonly environment: string;
  readonly image: string;
  readonly job: string;
  readonly issuer: string;
  readonly requester: Requester;
}

export type PipelineVerdict =
  | { readonly outcome: 'ignored'; readonly skip: PipelineSkip }
  | { readonly outcome: 'requests'; readonly requests: PipelineRequest[]; readonly skipped: PipelineSkip[] };

export const pipelineSkip = (
  code: PipelineReason,
  detail?: string,
  where?: { app: string; environment: string },
): PipelineSkip => ({
  code,
  reason: detail ? `${PIPELINE_REASONS[code]}: ${detail}` : PIPELINE_REASONS[code],
  ...where,
});

/** The instance an entry's issuer names serves the project: its URL is under the issuer (a relative root too). */
const onInstance = (issuer: string, webUrl: string) => webUrl.startsWith(`${issuer.replace(/\/+$/, '')}/`);

/** Numeric ids as strings, compared as numbers without a float. */
const newer = (a: string, b: string) => (a.length !== b.length ? a.length > b.length : a > b);

/**
 * What a GitLab Pipeline Hook asks of capstan. A successful pipeline (not a merge request's) releases each
 * app into each environment whose gitlab `ci` entry names the project's instance (`issuer`, the URL
 * `project.web_url` is under), the project by id and the pipeline's ref, when the pipeline holds a
 * successful deploy job (`environment.action` start) into the entry's `environment`, or by default the
 * environment of the same name. The image is the pipeline variable CAPSTAN_IMAGE, else a tag of the app's
 * first container: CAPSTAN_TAG, else the git tag of a tag pipeline, else the commit sha.
 */
export const decidePipeline = (hook: PipelineHook, apps: readonly AppSpec[]): PipelineVerdict => {
  const p = hook.object_attributes;
  if (p.status !== 'success') return ignored('not-succeeded', `pipeline ${p.id} is ${p.status}`);
  if (p.source && GITLAB_CHANGE_SOURCES.has(p.source))
    return ignored('change-request', `pipeline ${p.id} (${p.source})`);
  const deployJobs = (hook.builds ?? []).filter((b) => b.status === 'success' && b.environment?.action === 'start');
  if (deployJobs.length === 0) return ignored('no-deploy-job', `pipeline ${p.id}`);
  const jobFor = (environment: string) =>
    deployJobs
      .filter((b) => b.environment?.name === environment)
      .reduce<(typeof deployJobs)[number] | undefined>((a, b) => (!a || newer(b.id, a.id) ? b : a), undefined);
  const ref = `${p.tag ? 'refs/tags' : 'refs/heads'}/${p.ref}`;
  const requests: PipelineRequest[] = [];
  const skipped: PipelineSkip[] = [];
  for (const spec of apps) {
    for (const [environment, settings] of Object.entries(spec.environments)) {
      const where = { app: spec.name, environment };
      const entries = (settings.ci ?? []).filter(
        (a) =>
          a.provider === 'gitlab' && a.repositoryId === hook.project.id && onInstance(a.issuer, hook.project.web_url),
      );
      const matched = entries.flatMap((a) => {
        const job = jobFor(a.environment ?? environment);
        return job ? [{ allow: a, job }] : [];
      });
      if (matched.length === 0) continue;
      const allowed = matched.find((m) => m.allow.refs.includes(ref));
      if (!allowed) {
        const onlyProtected = matched.every((m) => m.allow.protectedRefs && m.allow.refs.length === 0);
        skipped.push(pipelineSkip(onlyProtected ? 'protected-ref-unknown' : 'other-ref', ref, where));
        continue;
      }
      const image = imageOf(hook, spec);
      if (!image.ok) {
        skipped.push(pipelineSkip('bad-image', image.reason, where));
        continue;
      }
      requests.push({
        ...where,
        image: image.value,
        job: allowed.job.id,
        issuer: allowed.allow.issuer,
        requester: requesterOf(hook, ref, allowed.allow, allowed.job.environment?.name),
      });
    }
  }
  if (requests.length === 0 && skipped.length === 0) {
    const names = [...new Set(deployJobs.map((b) => b.environment?.name))].join(', ');
    return ignored('not-allowed', `project ${hook.project.id} at ${hook.project.web_url}, deploying to ${names}`);
  }
  return { outcome: 'requests', requests, skipped };
};

const ignored = (code: PipelineReason, detail: string): PipelineVerdict => ({
  outcome: 'ignored',
  skip: pipelineSkip(code, detail),
});

const variable = (hook: PipelineHook, key: string): string | undefined => {
  const value = hook.object_attributes.variables?.find((v) => v.key === key)?.value;
  return value ? value.trim() : undefined;
};

type ImageOf = { ok: true; value: string } | { ok: false; reason: string };

const imageOf = (hook: PipelineHook, spec: AppSpec): ImageOf => {
  const full = variable(hook, 'CAPSTAN_IMAGE');
  if (full !== undefined) {
    return ImageRefSchema.safeParse(full).success
      ? { ok: true, value: full }
      : { ok: false, reason: `CAPSTAN_IMAGE ${JSON.stringify(full.slice(0, 100))}` };
  }
  const p = hook.object_attributes;
  const tag = variable(hook, 'CAPSTAN_TAG') ?? (p.tag ? p.ref : p.sha);
  const repository = spec.containers[0]?.repository;
  if (!TagSchema.safeParse(tag).success || !repository) {
    return { ok: false, reason: `tag ${JSON.stringify(tag.slice(0, 100))} of ${spec.name}` };
  }
  return { ok: true, value: `${repository}:${tag}` };
};

const requesterOf = (hook: PipelineHook, ref: string, allow: CiAllow, environment: string | undefined): Requester => {
  const p = hook.object_attributes;
  const path = hook.project.path_with_namespace;
  return {
    kind: 'ci',
    provider: 'gitlab',
    issuer: allow.issuer,
    repository: path,
    repositoryId: hook.project.id,
    ref,
    run: p.id,
    ...(environment ? { environment } : {}),
    // The `sub` GitLab gives the project's ID tokens for that ref: the same subject either way capstan is told.
    subject: `project_path:${path}:ref_type:${p.tag ? 'tag' : 'branch'}:ref:${p.ref}`.slice(0, 512),
    ...(hook.user?.username ? { user: hook.user.username } : {}),
  };
};
