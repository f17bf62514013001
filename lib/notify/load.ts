import { RequesterSchema } from '../../events/requester.ts';
import type { Release } from '../store/releases.ts';
import type { NotifyReads } from './ports.ts';
import { automaticRollbackId, type RequestState } from './state.ts';

/**
 * The request a notice is about, as people follow it: an automatic rollback is part of the release it
 * undoes (its message shows the rollback), so its notices go to that release's request.
 */
export const followedRequest = async (
  reads: NotifyReads,
  app: string,
  environment: string,
  request: string,
): Promise<string> => {
  const revision = await reads.revisionOfEvent(app, environment, request);
  if (revision === undefined) return request;
  const release = await reads.release(app, environment, revision);
  if (!release.rollbackOf) return request;
  const undone = (await reads.recentReleases(app, environment, 20)).find(
    (r) => r.revision < revision && automaticRollbackId(app, environment, r.revision) === request,
  );
  return undone?.eventId ?? request;
};

/** Everything the request's message shows, read fresh (consistently) from the table. */
export const loadState = async (
  reads: NotifyReads,
  app: string,
  environment: string,
  request: string,
): Promise<RequestState> => {
  const [revision, approval] = await Promise.all([
    reads.revisionOfEvent(app, environment, request),
    reads.approval(app, environment, request),
  ]);
  const release = revision === undefined ? undefined : await reads.release(app, environment, revision);
  const rollback = release?.status === 'failed' ? await rollbackOf(reads, release) : undefined;
  const refusal = release ? undefined : await reads.refusal(app, environment, request);
  const requester = requesterOf(release) ?? approval?.requester;
  return {
    app,
    environment,
    request,
    ...(requester ? { requester } : {}),
    ...(release?.requestedBy ? { requestedBy: release.requestedBy } : {}),
    ...(approval ? { approval } : {}),
    ...(release ? { release } : {}),
    ...(rollback ? { rollback } : {}),
    ...(refusal ? { refusal } : {}),
  };
};

const rollbackOf = async (reads: NotifyReads, failed: Release): Promise<Release | undefined> => {
  const id = automaticRollbackId(failed.app, failed.environment, failed.revision);
  const revision = await reads.revisionOfEvent(failed.app, failed.environment, id);
  return revision === undefined ? undefined : reads.release(failed.app, failed.environment, revision);
};

/** The authenticated requester a release keeps (once releases record one), never a guess from free text. */
export const requesterOf = (holder: unknown) => {
  const parsed = RequesterSchema.safeParse((holder as { requester?: unknown } | undefined)?.requester);
  return parsed.success ? parsed.data : undefined;
};
