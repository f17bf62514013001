import { queryHistory } from '../../store/history.ts';
import { openDb } from '../connect.ts';
import { renderHistory } from '../render/history.ts';

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
