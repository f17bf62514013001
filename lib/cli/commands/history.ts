import { queryHistory } from '../../store/history.ts';
import { openDb } from '../connect.ts';
import { renderHistory } from '../render/history.ts';

export interface HistoryOptions {
  readonly env?: string;
  readonly cluster?: string;
  /** An action (`scale.raise`) or a family of them (`scale`: every `scale.*`). */
  readonly action?: string;
  readonly limit: number;
  readonly json?: boolean;
}

/** `scale` matches scale.raise, scale.hold and the rest; `scale.raise` only itself. */
export const ofAction = (action: string, wanted: string): boolean =>
  action === wanted || action.startsWith(`${wanted.replace(/\.$/, '')}.`);

/** `capstan history <app>`: what happened to an app, newest first by when capstan received and acted on each event. */
export const history = async (app: string, o: HistoryOptions, out: (line: string) => void) => {
  const { db, close } = await openDb();
  try {
    // A filter by action reads further back, so --limit counts the entries shown, not the ones read.
    const read = o.action ? 1000 : o.limit;
    const all = await queryHistory(db, { app, cluster: o.cluster, environment: o.env, limit: read });
    const entries = o.action ? all.filter((e) => ofAction(e.action, o.action as string)).slice(0, o.limit) : all;
    if (o.json) return out(JSON.stringify(entries, null, 2));
    out(entries.length === 0 ? `no history for ${app}` : renderHistory(entries));
  } finally {
    close();
  }
};
