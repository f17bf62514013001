import { NameSchema } from '../../../events/envelope.ts';
import { OutcomeSchema } from '../../outcomes.ts';
import type { DashboardAnswer, DashboardDeps, DashboardRequest } from '../ports.ts';
import { appPage } from '../render/app-page.ts';
import { historySection } from '../render/history-section.ts';
import { notFoundPage } from '../render/not-found-page.ts';
import type { Session } from '../session.ts';
import { appView } from './app.ts';
import { historyOf, paramsOf } from './history.ts';

/**
 * `/apps/{name}?env=…&cluster=…&action=…`: the query is the history's (lib/dashboard/decisions/history-query.ts),
 * its app the path's; `env` also picks the environment whose releases are shown. A bad filter is a 400 that
 * still shows the page, saying what is wrong. A live section's poll (htmx, not boosted) only wants the
 * releases: the history is not read for it.
 */
export const appPageAnswer = async (
  req: DashboardRequest,
  session: Session,
  deps: DashboardDeps,
): Promise<DashboardAnswer> => {
  const name = req.pathParameters?.name ?? '';
  const missing = { status: 404, html: notFoundPage({ session, what: `No app ${name} is registered.` }).text };
  // An app is a DNS label: anything else names none, and is never sent to the table as a key.
  if (!NameSchema.safeParse(name).success) return missing;
  const params = paramsOf(req.rawQueryString);
  const env = params.env?.length === 1 ? params.env[0] : undefined;
  const all = await appView(deps.reads, name);
  if (!all) return missing;
  const environments = all.environments.map((e) => e.environment);
  const shown = env && environments.includes(env) ? env : undefined;
  const app = shown ? { ...all, environments: all.environments.filter((e) => e.environment === shown) } : all;
  const action = `/apps/${name}`;
  const url = `${action}${req.rawQueryString ? `?${req.rawQueryString}` : ''}`;
  const page = (history: Parameters<typeof appPage>[0]['history'], status: number): DashboardAnswer => ({
    status,
    html: appPage({ session, app, url, environments, env: shown, history }).text,
  });
  if (req.htmx === 'poll') return page(undefined, 200);

  const history = await historyOf(deps.reads, { ...params, app: [name] });
  const form = {
    action,
    values: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v[0]])),
    environments,
    // The shown environments' clusters in wave order: the cells appView made already name them.
    clusters: app.environments.flatMap((e) => e.row.cells.map((c) => c.cluster)),
    outcomes: OutcomeSchema.options,
  };
  const next = history.ok && history.next ? nextLink(action, params, history.next) : undefined;
  const section = historySection({
    form,
    entries: history.ok ? history.entries : [],
    next,
    issues: history.ok ? undefined : history.issues,
  });
  return page(section, history.ok ? 200 : 400);
};

/** The same query, one page further. */
const nextLink = (path: string, params: Readonly<Record<string, string[]>>, cursor: string) => {
  const q = new URLSearchParams();
  for (const [k, vs] of Object.entries(params)) if (k !== 'cursor') for (const v of vs) q.append(k, v);
  q.set('cursor', cursor);
  return `${path}?${q}`;
};
