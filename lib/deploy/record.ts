import { SCHEMA_VERSION } from '../../events/envelope.ts';
import { eventId, type ReleaseAdvance, type RollbackRequested, type RolloutCheck } from '../../events/index.ts';
import { type HistoryEntry, recordHistory } from '../store/history.ts';
import type { DeployDeps } from './deps.ts';

/** The event a step answers: its id keys the history entry, filed by when capstan received it (lib/store/history.ts). */
export interface Cause {
  readonly id: string;
  readonly type: string;
  readonly time: string;
}

/** What the step is about. */
export type Subject = Pick<HistoryEntry, 'app' | 'environment' | 'revision' | 'cluster'>;

/** One step of a release in the history, filed under its app (and cluster) and keyed by its cause. */
export const recordStep = (
  deps: Pick<DeployDeps, 'db' | 'now'>,
  cause: Cause,
  subject: Subject,
  step: Pick<HistoryEntry, 'action' | 'outcome' | 'code' | 'reason' | 'details'>,
) =>
  recordHistory(deps.db, {
    ...subject,
    eventId: cause.id,
    eventType: cause.type,
    eventTime: cause.time,
    recordedAt: deps.now().toISOString(),
    ...step,
  });

type Internal = RolloutCheck | ReleaseAdvance | RollbackRequested;

/**
 * An event capstan sends itself, as CloudEvents like any other. Its id is derived from what it is about,
 * so a step taken twice sends the same event, which the queue and the idempotency record then drop.
 */
export const internalEvent = <E extends Internal>(
  type: E['type'],
  idParts: readonly string[],
  data: E['data'],
  now: Date,
): E =>
  ({
    specversion: '1.0',
    id: eventId([type, ...idParts]),
    type,
    source: 'capstan',
    time: now.toISOString(),
    subject: `${data.app}/${data.environment}`,
    schemaversion: SCHEMA_VERSION,
    data,
  }) as E;
