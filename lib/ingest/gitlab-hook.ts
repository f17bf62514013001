import { eventId } from '../../events/index.ts';
import { requesterText } from '../../events/requester.ts';
import type { AppSpec } from '../apps/spec.ts';
import { decidePipeline, type PipelineSkip, pipelineSkip } from '../ci/decisions/pipeline.ts';
import { PipelineHookSchema } from '../ci/pipeline-hook.ts';
import { messageOf } from '../errors.ts';
import type { Enqueue } from '../queue/send.ts';
import { buildRequestEvent } from '../requests/envelope.ts';
import { verifyStaticSecret } from '../sources/auth.ts';
import type { Headers } from '../sources/index.ts';
import { header } from '../sources/types.ts';
import { type HttpAnswer, tooLarge } from './answer.ts';
import { MAX_HOOK_BODY_BYTES } from './body.ts';
import { gitlabHookToken } from './hook-secret.ts';

/** A GitLab project's webhook, one route per project (its numeric id: a rename or transfer keeps it). */
export const GITLAB_HOOK_ROUTE = '/hooks/gitlab/{project}';

export interface GitLabHookRequest {
  readonly rawBody: string;
  readonly headers: Headers;
  /** The route's `{project}` path parameter, percent-decoded. */
  readonly project: string | undefined;
}

export interface GitLabHookPorts {
  /** Every registered app's spec: which of them a project may release is in their `ci` entries. */
  readonly apps: () => Promise<readonly AppSpec[]>;
  readonly enqueue: Enqueue;
  readonly now: () => Date;
}

const refused = (status: number, error: string, reason: string): HttpAnswer => ({ status, body: { error, reason } });
const ignoredAnswer = (skips: readonly PipelineSkip[]): HttpAnswer => ({
  status: 200,
  body: { accepted: [], ignored: skips },
});

/**
 * POST /hooks/gitlab/<project id>: a GitLab project's webhook with Pipeline events, authenticated by that
 * project's own secret token (`X-Gitlab-Token`, hook-secret.ts) before anything is read. A successful
 * pipeline with a deploy job becomes a deploy request per app environment that allows it
 * (lib/ci/decisions/pipeline.ts), its requester the pipeline. Refusals of the request itself (token,
 * body, a project other than the route's) are 4xx; what capstan decided about a genuine pipeline (running,
 * no deploy job, a ref not allowed) and other events (Job Hook, Push Hook) are 200 with the reason, since
 * GitLab disables a webhook whose deliveries keep failing. The event id is the pipeline's deploy job's,
 * so GitLab's retries and redeliveries (one Idempotency-Key) and the pipeline's later hooks make one release.
 */
export const acceptGitLabHook = async (
  req: GitLabHookRequest,
  ingestToken: string,
  ports: GitLabHookPorts,
): Promise<HttpAnswer> => {
  if (Buffer.byteLength(req.rawBody) > MAX_HOOK_BODY_BYTES) return tooLarge(MAX_HOOK_BODY_BYTES);
  const project = req.project ?? '';
  if (!/^\d{1,20}$/.test(project)) {
    // No token is ever derived for such a path (`capstan hooks` refuses it): nothing to authenticate.
    return refused(400, 'invalid-project', 'the path names a GitLab project by its numeric id: /hooks/gitlab/<id>');
  }
  const auth = verifyStaticSecret(
    header(req.headers, 'x-gitlab-token'),
    gitlabHookToken(ingestToken, project),
    'X-Gitlab-Token',
  );
  if (!auth.ok) return refused(401, 'unauthorized', auth.reason);
  const event = header(req.headers, 'x-gitlab-event');
  if (event !== 'Pipeline Hook') {
    return ignoredAnswer([pipelineSkip('other-event', event ? JSON.stringify(event.slice(0, 64)) : '(none)')]);
  }
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody);
  } catch (error) {
    return refused(400, 'invalid-payload', `GitLab's Pipeline Hook body is not JSON: ${messageOf(error)}`);
  }
  const parsed = PipelineHookSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    return { status: 400, body: { error: 'invalid-payload', issues } };
  }
  const hook = parsed.data;
  if (hook.project.id !== project) {
    // The token authenticates the route's project only: it must not speak for another.
    return refused(403, 'other-project', `project.id ${hook.project.id} is not the route's project ${project}`);
  }
  const verdict = decidePipeline(hook, await ports.apps());
  if (verdict.outcome === 'ignored') return ignoredAnswer([verdict.skip]);

  const now = ports.now();
  const built = verdict.requests.map((r) =>
    buildRequestEvent({
      id: eventId(['gitlab-pipeline', r.issuer, project, hook.object_attributes.id, r.job, r.app, r.environment]),
      type: 'deploy.requested',
      source: 'capstan/ci/gitlab',
      subject: `${r.app}/${r.environment}`,
      time: now,
      data: {
        app: r.app,
        environment: r.environment,
        image: r.image,
        dryRun: false,
        requester: r.requester,
        requestedBy: requesterText(r.requester),
        reason: `GitLab pipeline ${hook.object_attributes.id} succeeded with deploy job ${r.job}`,
      },
    }),
  );
  const events = [];
  for (const b of built) {
    if (!b.ok) return { status: 400, body: { error: 'invalid-event', issues: b.issues } };
    events.push(b.event);
  }
  for (const e of events) await ports.enqueue(e);
  return {
    status: events.length > 0 ? 202 : 200,
    body: {
      accepted: events.map((e) => e.id),
      requests: verdict.requests.map((r) => ({
        app: r.app,
        environment: r.environment,
        image: r.image,
        requester: requesterText(r.requester),
      })),
      ignored: verdict.skipped,
    },
  };
};
