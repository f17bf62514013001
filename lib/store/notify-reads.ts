import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Reason } from '../reasons.ts';
import { findApp } from './apps.ts';
import { type Db, parseItem } from './db.ts';
import { queryHistory } from './history.ts';
import { keys } from './keys.ts';
import { type ReleaseApproval, ReleaseApprovalSchema } from './release-approvals.ts';

// How far back a request's refusal is looked for: its notice comes within seconds of it.
const REFUSAL_LOOKBACK = 100;

/** What the notifier reads beside releases and origins (lib/notify/ports.ts NotifyReads). */
export const releaseApprovalOf = async (
  db: Db,
  app: string,
  environment: string,
  request: string,
): Promise<ReleaseApproval | undefined> => {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.releaseApproval(app, environment, request), ConsistentRead: true }),
  );
  return Item ? parseItem(ReleaseApprovalSchema, Item) : undefined;
};

/** Why a request was refused or skipped before it made a release, from the app's recent history. */
export const refusalOf = async (
  db: Db,
  app: string,
  environment: string,
  request: string,
): Promise<Reason | undefined> => {
  const history = await queryHistory(db, { app, environment, limit: REFUSAL_LOOKBACK });
  const entry = history.find((e) => e.eventId === request && (e.outcome === 'refused' || e.outcome === 'skipped'));
  // The history says `refused: <reasons>`; the message says "refused" itself.
  return entry?.code ? { code: entry.code, reason: (entry.reason ?? entry.code).replace(/^refused: /, '') } : undefined;
};

/** The environment's `notify.slack.channel` in the app spec. */
export const notifyChannelOf = async (db: Db, app: string, environment: string): Promise<string | undefined> =>
  (await findApp(db, app))?.spec.environments[environment]?.notify?.slack?.channel;
