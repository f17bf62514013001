import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { NameSchema } from '../../events/envelope.ts';
import { RequesterSchema } from '../../events/requester.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { type Reason, ReasonCodeSchema } from '../reasons.ts';
import { conditionally, type Db, isLostWrite, parseItem, queryAll, translateConflict } from './db.ts';
import { keys } from './keys.ts';

export const ApplyOutcomeSchema = z.enum(['created', 'configured', 'unchanged', 'failed']);
export type ApplyOutcome = z.infer<typeof ApplyOutcomeSchema>;

export const RolloutStateSchema = z.enum(['pending', 'progressing', 'ready', 'failed']);
export type RolloutState = z.infer<typeof RolloutStateSchema>;

/**
 * A Deployment's replicas at one look (lib/deploy/decisions/rollout.ts replicaCounts): `desired` by its
 * spec, `updated` those of the newest template, `available` all available ones (old and new, as
 * Kubernetes counts them), `old` those of older templates still running.
 */
export const ReplicaCountsSchema = z.object({
  desired: z.int().min(0),
  updated: z.int().min(0),
  available: z.int().min(0),
  old: z.int().min(0),
});
export type ReplicaCounts = z.infer<typeof ReplicaCountsSchema>;

export const ClusterReleaseSchema = z.object({
  apply: ApplyOutcomeSchema,
  rollout: RolloutStateSchema,
  /** Why the apply or the rollout failed there, as a code (lib/reasons.ts); `message` says it in words. */
  code: ReasonCodeSchema.optional(),
  message: z.string().optional(),
  /** The Deployment's replicas at the last rollout check (the dashboard's old/new); absent before the first. */
  replicas: ReplicaCountsSchema.optional(),
  updatedAt: z.iso.datetime(),
});
export type ClusterRelease = z.infer<typeof ClusterReleaseSchema>;

/** `superseded`: a newer release of the same app and environment started before this one finished. */
export const ReleaseStatusSchema = z.enum(['applying', 'progressing', 'succeeded', 'failed', 'superseded']);
export type ReleaseStatus = z.infer<typeof ReleaseStatusSchema>;

/** Enough to re-apply a release exactly, long after Kubernetes' own ReplicaSet history dropped it. */
export const ReleaseSchema = z.object({
  app: NameSchema,
  environment: NameSchema,
  revision: z.int().min(1),
  eventId: z.string(),
  image: z.string(),
  namespace: NameSchema,
  manifests: z.array(z.record(z.string(), z.unknown())),
  requestedBy: z.string().optional(),
  /** Who asked, as the edge that authenticated them said (events/requester.ts); absent: the ingest token, or a release recorded before. */
  requester: RequesterSchema.optional(),
  reason: z.string().optional(),
  createdAt: z.iso.datetime(),
  /** When it was asked for (the request's event time): a request older than the newest release's is stale. */
  requestedAt: z.iso.datetime({ offset: true }).optional(),
  /**
   * The containers whose image the request set (a push of a sidecar's repository: that sidecar); absent
   * when it set the whole app (an app without a spec, a rollback). Lateness is judged per container.
   */
  containers: z.array(NameSchema).min(1).optional(),
  /** Whether a failed rollout brings back the last good release (the app's setting; never on a rollback). */
  autoRollback: z.boolean().optional(),
  /** Set on a rollback: the release whose manifests this one re-applies. */
  rollbackOf: z.int().min(1).optional(),
  /** Cluster names per wave, lowest wave first; a wave starts when the one before is healthy. */
  waves: z.array(z.array(NameSchema).min(1)).min(1),
  /** The wave being released now. */
  wave: z.int().min(0),
  status: ReleaseStatusSchema,
  /** Why it ended `failed` or `superseded`: the code and the words, as in the history. */
  statusReason: z.object({ code: ReasonCodeSchema, reason: z.string() }).optional(),
  clusters: z.record(z.string(), ClusterReleaseSchema),
});
export type Release = z.infer<typeof ReleaseSchema>;
export type NewRelease = Omit<Release, 'revision' | 'status' | 'clusters' | 'wave'>;

const fromItem = (item: Record<string, unknown>) => parseItem(ReleaseSchema, item);

export const getRelease = async (db: Db, app: string, environment: string, revision: number): Promise<Release> => {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.release(app, environment, revision), ConsistentRead: true }),
  );
  if (!Item) throw new NotFoundError(`release ${app}/${environment}#${revision} does not exist`);
  return fromItem(Item);
};

/** Newest first. */
export const listReleases = async (db: Db, app: string, environment: string, limit = 50): Promise<Release[]> => {
  const items = await queryAll(
    db,
    {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :rev)',
      ExpressionAttributeValues: { ':pk': keys.releases(app, environment).PK, ':rev': 'REV#' },
      ScanIndexForward: false,
      // What the next release builds on and is compared with: never a read from before the last write.
      ConsistentRead: true,
    },
    limit,
  );
  return items.map(fromItem);
};

/** An app's releases in every environment, newest first (the app index; for people, eventually consistent). */
export const listAppReleases = async (db: Db, app: string, limit = 50): Promise<Release[]> => {
  const items = await queryAll(
    db,
    {
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk AND begins_with(GSI1SK, :rel)',
      ExpressionAttributeValues: { ':pk': keys.releaseIndex(app, '').GSI1PK, ':rel': 'REL#' },
      ScanIndexForward: false,
    },
    limit,
  );
  return items.map(fromItem);
};

/**
 * Creates the release an event asks for, exactly once per event id: a marker item keyed by the event id,
 * the head counter and the release itself are written in one transaction. A redelivered event finds its
 * marker and gets the release it already made (`created: false`).
 */
export const createRelease = async (db: Db, input: NewRelease): Promise<{ release: Release; created: boolean }> => {
  const { app, environment, eventId } = input;
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await revisionOfEvent(db, app, environment, eventId);
    if (existing !== undefined) return { release: await getRelease(db, app, environment, existing), created: false };

    const head = await db.doc.send(
      new GetCommand({ TableName: db.table, Key: keys.releaseHead(app, environment), ConsistentRead: true }),
    );
    const last = typeof head.Item?.revision === 'number' ? head.Item.revision : 0;
    const release: Release = { ...input, revision: last + 1, wave: 0, status: 'applying', clusters: {} };
    try {
      await db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: db.table,
                Item: { ...keys.eventMarker(app, environment, eventId), revision: release.revision },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Update: {
                TableName: db.table,
                Key: keys.releaseHead(app, environment),
                UpdateExpression: 'SET revision = :next',
                ConditionExpression: 'attribute_not_exists(revision) OR revision = :last',
                ExpressionAttributeValues: { ':next': release.revision, ':last': last },
              },
            },
            {
              Put: {
                TableName: db.table,
                Item: {
                  ...keys.release(app, environment, release.revision),
                  ...keys.releaseIndex(app, release.createdAt),
                  ...release,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      );
      return { release, created: true };
    } catch (error) {
      // Lost a race with a concurrent writer (same event or another revision): re-read and try again.
      if (!isLostWrite(error)) throw error;
    }
  }
  throw new ConflictError(`could not allocate a revision for ${app}/${environment} after 5 attempts`);
};

/** The revision an event made, if it made one. */
export const revisionOfEvent = async (db: Db, app: string, environment: string, eventId: string) => {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.eventMarker(app, environment, eventId), ConsistentRead: true }),
  );
  return typeof Item?.revision === 'number' ? Item.revision : undefined;
};

/** Records one cluster's part of a release; other clusters' entries are untouched. */
export const setClusterRelease = async (
  db: Db,
  release: Pick<Release, 'app' | 'environment' | 'revision'>,
  cluster: string,
  state: ClusterRelease,
): Promise<void> => {
  await db.doc
    .send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.release(release.app, release.environment, release.revision),
        // `clusters` is a DynamoDB reserved word, hence the placeholder.
        UpdateExpression: 'SET #clusters.#c = :s',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#clusters': 'clusters', '#c': cluster },
        ExpressionAttributeValues: { ':s': state },
      }),
    )
    .catch((error) => translateConflict(error, `release ${release.app}/${release.environment}#${release.revision}`));
};

/** What a rollout check that is still waiting records of a cluster (setClusterProgress). */
export type ClusterProgress = Required<Pick<ClusterRelease, 'replicas' | 'message' | 'updatedAt'>>;

/** The cluster rollout states a progress report may still write over: once ready or failed, it is settled. */
const UNSETTLED: readonly RolloutState[] = ['pending', 'progressing'];

/**
 * Records how far one cluster's rollout got (its replicas, in words too) and says whether it did. Only
 * while the cluster's rollout is unsettled: a late or redelivered check must never write over a ready or
 * failed entry (nor make one for a cluster the release has no entry for). The apply outcome and the code
 * are left as they are.
 */
export const setClusterProgress = async (
  db: Db,
  release: Pick<Release, 'app' | 'environment' | 'revision'>,
  cluster: string,
  progress: ClusterProgress,
): Promise<boolean> => {
  const unsettled = Object.fromEntries(UNSETTLED.map((s, i) => [`:unsettled${i}`, s]));
  return conditionally(
    db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.release(release.app, release.environment, release.revision),
        // Placeholders throughout: `clusters` is reserved, and a cluster name is the caller's.
        UpdateExpression:
          'SET #clusters.#c.#replicas = :replicas, #clusters.#c.#message = :message, #clusters.#c.#at = :at',
        ConditionExpression: `#clusters.#c.#rollout IN (${Object.keys(unsettled).join(', ')})`,
        ExpressionAttributeNames: {
          '#clusters': 'clusters',
          '#c': cluster,
          '#replicas': 'replicas',
          '#message': 'message',
          '#at': 'updatedAt',
          '#rollout': 'rollout',
        },
        ExpressionAttributeValues: {
          ':replicas': progress.replicas,
          ':message': progress.message,
          ':at': progress.updatedAt,
          ...unsettled,
        },
      }),
    ),
  );
};

/**
 * Moves a release to `status` if it is in one of `from`, and says whether it did; `why` records the reason
 * of a failure or a supersession with it. Statuses only move forward, so a late or concurrent writer never
 * undoes a settled release.
 */
export const setReleaseStatus = async (
  db: Db,
  release: Pick<Release, 'app' | 'environment' | 'revision'>,
  status: ReleaseStatus,
  from: readonly ReleaseStatus[],
  why?: Reason,
): Promise<boolean> => {
  const values = Object.fromEntries(from.map((f, i) => [`:from${i}`, f]));
  return conditionally(
    db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.release(release.app, release.environment, release.revision),
        UpdateExpression: why ? 'SET #s = :s, statusReason = :why' : 'SET #s = :s',
        ConditionExpression: `#s IN (${Object.keys(values).join(', ')})`,
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': status, ...values, ...(why ? { ':why': why } : {}) },
      }),
    ),
  );
};

/**
 * Moves a release from wave `from` to the next, once: a redelivered or concurrent advance finds the wave
 * already moved (or the release settled) and says so.
 */
export const advanceWave = async (
  db: Db,
  release: Pick<Release, 'app' | 'environment' | 'revision'>,
  from: number,
): Promise<boolean> => {
  return conditionally(
    db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.release(release.app, release.environment, release.revision),
        UpdateExpression: 'SET wave = :to, #s = :applying',
        ConditionExpression: 'wave = :from AND #s IN (:applying, :progressing)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':from': from,
          ':to': from + 1,
          ':applying': 'applying',
          ':progressing': 'progressing',
        },
      }),
    ),
  );
};
