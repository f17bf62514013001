import type { HistoryEntry } from '../../store/history.ts';
import type { Release } from '../../store/releases.ts';

/** Chat answers are read on a phone: a few lines, the newest first, the rest left to the CLI. */
const MAX_LINES = 8;

/** `/capstan status <app>`: each environment's newest release. */
export const statusText = (app: string, releases: readonly Release[]): string => {
  const newest = new Map<string, Release>();
  for (const r of releases) {
    const seen = newest.get(r.environment);
    if (!seen || r.revision > seen.revision) newest.set(r.environment, r);
  }
  if (newest.size === 0) return `${app}: no releases yet`;
  const lines = [...newest.values()]
    .sort((a, b) => a.environment.localeCompare(b.environment))
    .slice(0, MAX_LINES)
    .map(
      (r) =>
        `• ${r.environment}: #${r.revision} ${r.status} ${r.image}${r.requestedBy ? ` (by ${r.requestedBy})` : ''}`,
    );
  return [`*${app}*`, ...lines].join('\n');
};

/** `/capstan history <app>`: its latest steps. */
export const historyText = (app: string, entries: readonly HistoryEntry[]): string => {
  if (entries.length === 0) return `${app}: no history yet`;
  const lines = entries
    .slice(0, MAX_LINES)
    .map(
      (h) =>
        `• ${h.receivedAt.slice(0, 19)}Z ${h.environment ?? '-'} ${h.eventType} ${h.action} ${h.outcome}${h.code ? ` (${h.code})` : ''}`,
    );
  return [`*${app}* latest steps (\`capstan history ${app}\` for all):`, ...lines].join('\n');
};
