import { type HistoryEntry, queryHistory } from '../../store/history.ts';
import { openDb } from '../connect.ts';
import { renderTable } from '../format.ts';

export interface HistoryOptions {
  readonly env?: string;
  readonly cluster?: string;
  readonly limit: number;
  readonly json?: boolean;
}

/** `capstan history <app>`: what happened to an app, newest first by when capstan received and acted on each event. */
export const history = async (app: string, o: HistoryOptions, out: (line: string) => void) => {
  const { db, close } = await openDb();
  try {
    const entries = await queryHistory(db, { app, cluster: o.cluster, environment: o.env, limit: o.limit });
    if (o.json) return out(JSON.stringify(entries, null, 2));
    out(entries.length === 0 ? `no history for ${app}` : renderHistory(entries));
  } finally {
    close();
  }
};

export const renderHistory = (entries: readonly HistoryEntry[]): string =>
  renderTable(
    ['TIME', 'ENV', 'CLUSTER', 'REV', 'ACTION', 'OUTCOME', 'CODE', 'DETAIL'],
    entries.map((e) => [
      // When capstan acted; the producer's own time (eventTime) is in --json.
      e.recordedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z'),
      e.environment ?? '-',
      e.cluster ?? '-',
      e.revision ? `#${e.revision}` : '-',
      e.action,
      e.outcome,
      e.code ?? '-',
      e.reason ?? detail(e.details),
    ]),
  );

const detail = (details: Record<string, unknown> | undefined): string => {
  if (!details) return '';
  if (Array.isArray(details.objects)) return details.objects.join(', ');
  if (typeof details.image === 'string') return `image ${details.image}`;
  return '';
};
