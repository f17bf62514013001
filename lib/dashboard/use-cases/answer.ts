import { OutcomeSchema } from '../../outcomes.ts';
import type { DashboardAnswer, DashboardDeps, DashboardRequest } from '../ports.ts';

export type { DashboardAnswer, DashboardRequest } from '../ports.ts';

import { appPage } from '../render/app-page.ts';
import { approvalsPage } from '../render/approvals-page.ts';
import { fleetPage } from '../render/fleet-page.ts';
import { healingPage } from '../render/healing-page.ts';
import { historySection } from '../render/history-section.ts';
import { signedOutPage } from '../render/layout.ts';
import { notFoundPage } from '../render/not-found-page.ts';
import { type Session, sessionTokenOf, signedOutCookie, verifySession } from '../session.ts';
import { appView } from './app.ts';
import { pendingApprovals } from './approvals.ts';
import { fleetView, inWaveOrder } from './fleet.ts';
import { healingView, isActiveHeal } from './healing.ts';
import { historyOf } from './history.ts';
import { activeOverrides } from './overrides.ts';
import { signIn, signInForm } from './sign-in.ts';

const SIGN_IN_HINT = 'sign in first: `capstan dashboard link` prints a one-time link';
const UNAUTHENTICATED: DashboardAnswer = { status: 401, body: { error: 'unauthenticated', reason: SIGN_IN_HINT } };
const PAGE_UNAUTHENTICATED: DashboardAnswer = {
  status: 401,
  html: signedOutPage(
    'You are not signed in. Run `capstan dashboard link` (or look at what `capstan up` printed) and open the one-time link it prints.',
  ).text,
};

/** Repeated parameters kept apart (API Gateway joins them with commas in queryStringParameters). */
const paramsOf = (raw: string): Record<string, string[]> => {
  // No prototype: a parameter named `constructor` or `__proto__` is a parameter like any other.
  const params: Record<string, string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(raw))
    params[k] = [...(Object.hasOwn(params, k) ? (params[k] ?? []) : []), v];
  return params;
};

/**
 * One request to the dashboard. Signing in turns a one-time ticket into a session cookie; every page and
 * everything under /api answers only to a valid session, and says nothing of the fleet otherwise. The
 * style sheet and script are the same for everybody and hold nothing of the fleet.
 */
export const answerDashboard = async (req: DashboardRequest, deps: DashboardDeps): Promise<DashboardAnswer> => {
  if (req.routeKey === 'GET /signin') return signInForm(req, deps);
  if (req.routeKey === 'POST /signin') return signIn(req, deps);
  if (req.routeKey === 'POST /signout') {
    return {
      status: 200,
      html: signedOutPage('You are signed out. A new one-time link (`capstan dashboard link`) signs you in again.')
        .text,
      cookies: [signedOutCookie({ secure: req.secure })],
    };
  }
  if (req.routeKey === 'GET /assets/{file}') {
    const asset = deps.asset(req.pathParameters?.file ?? '');
    return asset ? { status: 200, asset } : { status: 404, body: { error: 'not-found', reason: 'no such asset' } };
  }
  const token = sessionTokenOf(req.cookies);
  const session = token ? await verifySession(deps.sessionKey, token, deps.now()) : undefined;
  const isApi = req.routeKey.startsWith('GET /api/');
  if (!session) return isApi ? UNAUTHENTICATED : PAGE_UNAUTHENTICATED;
  return isApi ? answerApi(req, session, deps) : answerPage(req, session, deps);
};

const answerApi = async (req: DashboardRequest, session: Session, deps: DashboardDeps): Promise<DashboardAnswer> => {
  const { reads } = deps;
  switch (req.routeKey) {
    case 'GET /api/session':
      return { status: 200, body: { ...session } };
    case 'GET /api/fleet':
      return { status: 200, body: { ...(await fleetView(reads)) } };
    case 'GET /api/apps': {
      const { rows } = await fleetView(reads);
      const names = [...new Set(rows.map((r) => r.app))].sort();
      const apps = names.map((name) => ({
        name,
        environments: rows.filter((r) => r.app === name).map((r) => ({ environment: r.environment, cells: r.cells })),
      }));
      return { status: 200, body: { apps } };
    }
    case 'GET /api/apps/{name}': {
      const name = req.pathParameters?.name ?? '';
      const view = await appView(reads, name);
      return view
        ? { status: 200, body: { ...view } }
        : { status: 404, body: { error: 'not-found', reason: `no app ${name} is registered` } };
    }
    case 'GET /api/heals':
      return { status: 200, body: { ...(await healingView(reads)) } };
    case 'GET /api/approvals':
      return { status: 200, body: { approvals: await pendingApprovals(reads) } };
    case 'GET /api/overrides':
      return { status: 200, body: { overrides: await activeOverrides(reads) } };
    case 'GET /api/history': {
      const answer = await historyOf(reads, paramsOf(req.rawQueryString));
      if (!answer.ok) return { status: 400, body: { error: 'invalid-query', issues: answer.issues } };
      return { status: 200, body: { entries: answer.entries, ...(answer.next ? { next: answer.next } : {}) } };
    }
    default:
      return { status: 404, body: { error: 'not-found', reason: `no route ${req.routeKey}` } };
  }
};

const answerPage = async (req: DashboardRequest, session: Session, deps: DashboardDeps): Promise<DashboardAnswer> => {
  const { reads } = deps;
  switch (req.routeKey) {
    case 'GET /': {
      const [fleet, overrides] = await Promise.all([fleetView(reads), activeOverrides(reads)]);
      return { status: 200, html: fleetPage({ session, fleet, overrides }).text };
    }
    case 'GET /apps/{name}':
      return appAnswer(req, session, deps);
    case 'GET /healing':
      return {
        status: 200,
        html: healingPage({ session, healing: await healingView(reads), active: isActiveHeal }).text,
      };
    case 'GET /approvals':
      return { status: 200, html: approvalsPage({ session, approvals: await pendingApprovals(reads) }).text };
    default:
      return { status: 404, html: notFoundPage({ session, what: `Nothing is at ${req.routeKey}.` }).text };
  }
};

/**
 * `/apps/{name}?env=…&cluster=…&action=…`: the query is the history's (lib/dashboard/decisions/history-query.ts),
 * its app the path's; `env` also picks the environment whose releases are shown. A bad filter is a 400 that
 * still shows the page, saying what is wrong.
 */
const appAnswer = async (req: DashboardRequest, session: Session, deps: DashboardDeps): Promise<DashboardAnswer> => {
  const name = req.pathParameters?.name ?? '';
  const params = paramsOf(req.rawQueryString);
  const env = params.env?.length === 1 ? params.env[0] : undefined;
  const [all, registered] = await Promise.all([appView(deps.reads, name), deps.reads.clusters()]);
  if (!all) return { status: 404, html: notFoundPage({ session, what: `No app ${name} is registered.` }).text };
  const environments = all.environments.map((e) => e.environment);
  const shown = env && environments.includes(env) ? env : undefined;
  const app = shown ? { ...all, environments: all.environments.filter((e) => e.environment === shown) } : all;
  const history = await historyOf(deps.reads, { ...params, app: [name] });
  const { clustersOf } = inWaveOrder(registered);
  const form = {
    action: `/apps/${encodeURIComponent(name)}`,
    fixed: {},
    values: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v[0]])),
    environments,
    clusters: environments.flatMap(clustersOf),
    outcomes: OutcomeSchema.options,
  };
  const next = history.ok && history.next ? nextLink(form.action, params, history.next) : undefined;
  const section = historySection({
    form,
    entries: history.ok ? history.entries : [],
    next,
    issues: history.ok ? undefined : history.issues,
  });
  const url = `${form.action}${req.rawQueryString ? `?${req.rawQueryString}` : ''}`;
  return {
    status: history.ok ? 200 : 400,
    html: appPage({ session, app, url, environments, env: shown, history: section }).text,
  };
};

/** The same query, one page further. */
const nextLink = (path: string, params: Readonly<Record<string, string[]>>, cursor: string) => {
  const q = new URLSearchParams();
  for (const [k, vs] of Object.entries(params)) if (k !== 'cursor') for (const v of vs) q.append(k, v);
  q.set('cursor', cursor);
  return `${path}?${q}`;
};
