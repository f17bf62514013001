import { z } from 'zod';
import { NameSchema } from '../../../events/envelope.ts';
import { formatIssue } from '../../issues.ts';
import { OutcomeSchema } from '../../outcomes.ts';
import type { HistoryPageQuery } from '../../store/history-page.ts';

/** Most entries one page holds, and how many it holds unless asked. */
export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

/** An action (`scale.raise`) or a family of them (`scale`): lowercase words joined by dots. */
const ActionSchema = z
  .string()
  .regex(/^[a-z][a-z-]*(\.[a-z][a-z-]*)*\.?$/, 'must be an action such as scale.raise, or a family such as scale')
  .transform((v) => v.replace(/\.$/, ''));

/** A time with its zone, or a date: from the start of that day (UTC), or until its end. */
const instant = (end: 'start' | 'end') =>
  z
    .union([z.iso.datetime({ offset: true }), z.iso.date()])
    .transform((v) =>
      new Date(v.length === 10 ? `${v}T${end === 'start' ? '00:00:00.000' : '23:59:59.999'}Z` : v).toISOString(),
    );

/**
 * Where the previous page stopped: the app the last entry belongs to and its sort key. Opaque to callers
 * (base64url JSON), checked like any input: a cursor is only ever a position, never a key of another record.
 */
const CursorSchema = z.strictObject({
  app: NameSchema.or(z.literal('_nodes')).or(z.literal('_unrouted')),
  sk: z.string().min(1).max(1024),
});
export type HistoryCursor = z.infer<typeof CursorSchema>;

export const encodeCursor = (c: HistoryCursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

const decodeCursor = (raw: string): unknown => {
  try {
    return JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
};

const HistoryParamsSchema = z
  .strictObject({
    app: NameSchema.or(z.literal('_nodes')).or(z.literal('_unrouted')).optional(),
    env: NameSchema.optional(),
    cluster: NameSchema.optional(),
    action: ActionSchema.optional(),
    outcome: OutcomeSchema.optional(),
    since: instant('start').optional(),
    until: instant('end').optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
    cursor: z
      .string()
      .max(2048)
      .transform((raw, ctx) => {
        const parsed = CursorSchema.safeParse(decodeCursor(raw));
        if (parsed.success) return parsed.data;
        ctx.addIssue({ code: 'custom', message: 'is not a cursor this history gave out' });
        return z.NEVER;
      })
      .optional(),
  })
  .refine((q) => q.app !== undefined || q.cluster !== undefined, { message: 'give an app or a cluster', path: ['app'] })
  .refine((q) => !q.since || !q.until || q.since <= q.until, { message: 'since is after until', path: ['since'] });

/** A history query as the dashboard's API (and `capstan history`) take it, validated. */
export type HistoryFilter = z.infer<typeof HistoryParamsSchema>;

export type HistoryParamsResult = { ok: true; filter: HistoryFilter } | { ok: false; issues: string[] };

/**
 * The query string of `GET /api/history`: every parameter named once, none unknown, each checked (a
 * repeated one is refused rather than one of its values picked).
 */
export const parseHistoryParams = (params: Readonly<Record<string, string | readonly string[] | undefined>>) => {
  const repeated = Object.entries(params)
    .filter(([, v]) => Array.isArray(v) && v.length > 1)
    .map(([k]) => `${k}: given more than once`);
  if (repeated.length) return { ok: false, issues: repeated } satisfies HistoryParamsResult;
  const single = Object.fromEntries(
    Object.entries(params)
      .map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])
      .filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = HistoryParamsSchema.safeParse(single);
  return (
    parsed.success ? { ok: true, filter: parsed.data } : { ok: false, issues: parsed.error.issues.map(formatIssue) }
  ) satisfies HistoryParamsResult;
};

/** The table query a filter asks for (lib/store/history-page.ts); the CLI pages with its own limit. */
export const pageQueryOf = (f: HistoryFilter, limit = f.limit): HistoryPageQuery => ({
  ...(f.app ? { app: f.app } : {}),
  ...(f.cluster ? { cluster: f.cluster } : {}),
  ...(f.env ? { environment: f.env } : {}),
  ...(f.action ? { action: f.action } : {}),
  ...(f.outcome ? { outcome: f.outcome } : {}),
  ...(f.since ? { since: f.since } : {}),
  ...(f.until ? { until: f.until } : {}),
  limit,
  ...(f.cursor ? { after: f.cursor } : {}),
});
