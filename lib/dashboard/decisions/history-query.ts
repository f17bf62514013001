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
 * Where the previous page stopped: the app the last entry belongs to and its sort key, and the query it
 * was a page of (`q`, a fingerprint of the filters). Opaque to callers (base64url JSON), checked like any
 * input: a cursor is only ever a position within its own query, never a key of another record.
 */
const CursorSchema = z.strictObject({
  app: NameSchema.or(z.literal('_nodes')).or(z.literal('_unrouted')),
  // DynamoDB's bound on a sort key is 1024 bytes of UTF-8, not characters.
  sk: z
    .string()
    .min(1)
    .refine((sk) => new TextEncoder().encode(sk).byteLength <= 1024, 'is too long'),
  q: z.string().regex(/^[0-9a-f]{8}$/),
});
export type HistoryCursor = Omit<z.infer<typeof CursorSchema>, 'q'>;

/** What a page answers: its filters, not its size nor its position. */
interface Filters {
  readonly app?: string | undefined;
  readonly cluster?: string | undefined;
  readonly env?: string | undefined;
  readonly action?: string | undefined;
  readonly outcome?: string | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
}

/** A query's filters as 32 bits of FNV-1a: enough to tell a cursor of one query from another's. */
const fingerprint = (f: Filters): string => {
  const text = JSON.stringify([f.app, f.cluster, f.env, f.action, f.outcome, f.since, f.until]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
};

export const encodeCursor = (c: HistoryCursor, of: Filters): string =>
  Buffer.from(JSON.stringify({ app: c.app, sk: c.sk, q: fingerprint(of) })).toString('base64url');

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
  .refine((q) => !q.since || !q.until || q.since <= q.until, { message: 'since is after until', path: ['since'] })
  .refine((q) => !q.cursor || q.cursor.q === fingerprint(q), {
    message: 'is a page of another query: start again without it',
    path: ['cursor'],
  })
  .refine((q) => !q.cursor || ((!q.since || q.cursor.sk >= q.since) && (!q.until || q.cursor.sk <= `${q.until}~`)), {
    message: 'lies outside since..until',
    path: ['cursor'],
  })
  .transform(({ cursor, ...rest }) => ({
    ...rest,
    ...(cursor ? { cursor: { app: cursor.app, sk: cursor.sk } } : {}),
  }));

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
