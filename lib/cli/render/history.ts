import type { HistoryEntry } from '../../store/history.ts';
import { renderTable } from '../format.ts';

/**
 * An app's history as a table, in the order given (newest first, as `queryHistory` returns it). BY (who
 * asked for the release or request a step is part of) only when a step has one: a node's heal has none.
 */
export const renderHistory = (entries: readonly HistoryEntry[]): string => {
  const withBy = entries.some((e) => e.by !== undefined);
  const rows = entries.map((e) => [
    // When capstan acted; the producer's own time (eventTime) is in --json.
    e.recordedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z'),
    e.environment ?? '-',
    e.cluster ?? '-',
    e.revision ? `#${e.revision}` : '-',
    e.action,
    e.outcome,
    e.code ?? '-',
    // `-`: a push, an alert, the ingest token's request, or a step recorded before requesters were.
    ...(withBy ? [e.by ?? '-'] : []),
    // The workload a scaling step is about (`namespace/Kind/name`), in front of why.
    [e.workload, e.reason ?? detail(e.details)].filter(Boolean).join(': '),
  ]);
  const headers = ['TIME', 'ENV', 'CLUSTER', 'REV', 'ACTION', 'OUTCOME', 'CODE', ...(withBy ? ['BY'] : []), 'DETAIL'];
  return renderTable(headers, rows);
};

const detail = (details: Record<string, unknown> | undefined): string => {
  if (!details) return '';
  if (Array.isArray(details.objects)) return details.objects.join(', ');
  if (typeof details.image === 'string') return `image ${details.image}`;
  return '';
};
