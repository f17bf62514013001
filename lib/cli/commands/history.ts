import { MAX_PAGE, pageQueryOf, parseHistoryParams } from '../../dashboard/decisions/history-query.ts';
import { InvalidInputError } from '../../errors.ts';
import { type HistoryEntry, newestFirst } from '../../store/history.ts';
import { type HistoryPosition, historyPage } from '../../store/history-page.ts';
import { openDb } from '../connect.ts';
import { renderHistory } from '../render/history.ts';

export interface HistoryOptions {
  readonly env?: string;
  readonly cluster?: string;
  /** An action (`scale.raise`) or a family of them (`scale`: every `scale.*`). */
  readonly action?: string;
  readonly outcome?: string;
  /** When capstan received the events, both ends included: a time with its zone, or a date. */
  readonly since?: string;
  readonly until?: string;
  readonly limit: number;
  readonly json?: boolean;
}

/**
 * `capstan history <app>`: what happened to an app, newest first by when capstan received and acted on each
 * event. The filters are the dashboard's (`GET /api/history`), checked by the same schema and read by the same
 * query, so the CLI and the API answer alike; --limit counts the entries shown, read page by page.
 */
export const history = async (app: string, o: HistoryOptions, out: (line: string) => void) => {
  const parsed = parseHistoryParams({
    app,
    ...(o.env ? { env: o.env } : {}),
    ...(o.cluster ? { cluster: o.cluster } : {}),
    ...(o.action ? { action: o.action } : {}),
    ...(o.outcome ? { outcome: o.outcome } : {}),
    ...(o.since ? { since: o.since } : {}),
    ...(o.until ? { until: o.until } : {}),
  });
  if (!parsed.ok) throw new InvalidInputError('cannot read the history', parsed.issues);
  const { filter } = parsed;
  const { db, close } = await openDb();
  try {
    const entries: HistoryEntry[] = [];
    let after: HistoryPosition | undefined;
    do {
      const page = await historyPage(db, {
        ...pageQueryOf(filter, Math.min(MAX_PAGE, o.limit - entries.length)),
        ...(after ? { after } : {}),
      });
      entries.push(...page.entries);
      after = page.next;
    } while (after && entries.length < o.limit);
    entries.sort(newestFirst);
    if (o.json) return out(JSON.stringify(entries, null, 2));
    out(entries.length === 0 ? `no history for ${app}` : renderHistory(entries));
  } finally {
    close();
  }
};
