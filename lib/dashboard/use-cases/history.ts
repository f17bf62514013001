import { InvalidInputError } from '../../errors.ts';
import type { HistoryEntry } from '../../store/history.ts';
import { encodeCursor, type HistoryFilter, pageQueryOf, parseHistoryParams } from '../decisions/history-query.ts';
import type { DashboardReads } from '../ports.ts';

/** Repeated parameters kept apart (API Gateway joins them with commas in queryStringParameters). */
export const paramsOf = (raw: string): Record<string, string[]> => {
  // No prototype: a parameter named `constructor` or `__proto__` is a parameter like any other.
  const params: Record<string, string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(raw))
    params[k] = [...(Object.hasOwn(params, k) ? (params[k] ?? []) : []), v];
  return params;
};

export type HistoryAnswer =
  | { readonly ok: true; readonly filter: HistoryFilter; readonly entries: HistoryEntry[]; readonly next?: string }
  | { readonly ok: false; readonly issues: readonly string[] };

/**
 * One page of the history under the query's filters (validated: a bad one is its issues, never a read), and
 * the cursor of the next page. Shared by `GET /api/history` and the app page's history.
 */
export const historyOf = async (
  reads: DashboardReads,
  params: Readonly<Record<string, readonly string[]>>,
): Promise<HistoryAnswer> => {
  const parsed = parseHistoryParams(params);
  if (!parsed.ok) return { ok: false, issues: parsed.issues };
  try {
    const page = await reads.history(pageQueryOf(parsed.filter));
    return {
      ok: true,
      filter: parsed.filter,
      entries: page.entries,
      ...(page.next ? { next: encodeCursor(page.next, parsed.filter) } : {}),
    };
  } catch (error) {
    // A cursor that decodes but names no position of this table (lib/store/history-page.ts says so).
    if (error instanceof InvalidInputError) return { ok: false, issues: error.issues };
    throw error;
  }
};
