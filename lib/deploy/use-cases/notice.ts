import type { ChatNotify, ChatNotifyData } from '../../../events/chat-notify.ts';
import { SCHEMA_VERSION } from '../../../events/envelope.ts';
import { eventId } from '../../../events/index.ts';
import { RequesterSchema } from '../../../events/requester.ts';
import type { DeployDeps } from '../ports.ts';

type What = ChatNotifyData['what'];

/**
 * Tells the notifier (functions/notify.ts) that a request people follow moved: only where someone follows
 * it, an environment with `notify` in the app spec or a request a chat person made, so releases nobody
 * watches send nothing more than before. Its id names the request, the step and the wave: a step taken
 * twice sends the same notice, which the queue's idempotency drops.
 */
export const notifyPeople = async (
  deps: Pick<DeployDeps, 'store' | 'enqueue' | 'now'>,
  about: { app: string; environment: string; request: string; revision?: number; wave?: number },
  what: What,
  /** What may name the requester: the request's data, the release. */
  holders: readonly unknown[] = [],
): Promise<void> => {
  if (!(holders.some(isChatPerson) || (await followed(deps, about.app, about.environment)))) return;
  const { app, environment, request, revision, wave } = about;
  const data: ChatNotifyData = {
    app,
    environment,
    request,
    what,
    ...(revision !== undefined ? { revision } : {}),
    ...(wave !== undefined ? { wave } : {}),
  };
  const notice: ChatNotify = {
    specversion: '1.0',
    id: eventId(['chat.notify', request, what, String(revision ?? '-'), String(wave ?? '-')]),
    type: 'chat.notify',
    source: 'capstan',
    time: deps.now().toISOString(),
    subject: `${app}/${environment}`,
    schemaversion: SCHEMA_VERSION,
    data,
  };
  await deps.enqueue(notice);
};

const followed = async (deps: Pick<DeployDeps, 'store'>, app: string, environment: string) =>
  (await deps.store.apps.find(app))?.spec.environments[environment]?.notify !== undefined;

/** Whether an event's data or a release names a chat person as its requester (events/requester.ts). */
export const isChatPerson = (holder: unknown): boolean => {
  const parsed = RequesterSchema.safeParse((holder as { requester?: unknown } | undefined)?.requester);
  return parsed.success && (parsed.data.kind === 'slack' || parsed.data.kind === 'mattermost');
};
