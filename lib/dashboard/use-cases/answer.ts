import { NameSchema } from '../../../events/envelope.ts';
import type { DashboardAnswer, DashboardDeps, DashboardRequest } from '../ports.ts';

export type { DashboardAnswer, DashboardRequest } from '../ports.ts';

import { approvalsPage } from '../render/approvals-page.ts';
import { fleetPage } from '../render/fleet-page.ts';
import { healingPage } from '../render/healing-page.ts';
import { signedOutPage } from '../render/layout.ts';
import { notFoundPage } from '../render/not-found-page.ts';
import { type Session, sessionTokenOf, signedOutCookie, verifySession } from '../session.ts';
import { appView } from './app.ts';
import { appPageAnswer } from './app-page.ts';
import { pendingApprovals } from './approvals.ts';
import { fleetView } from './fleet.ts';
import { healingView, isActiveHeal } from './healing.ts';
import { historyOf, paramsOf } from './history.ts';
import { activeOverrides } from './overrides.ts';
import { cameFromHere, signIn, signInForm } from './sign-in.ts';
import { finishSlackSignIn, startSlackSignIn } from './slack-sign-in.ts';

const SIGN_IN_HINT = 'sign in first: `capstan dashboard link` prints a one-time link';
const UNAUTHENTICATED: DashboardAnswer = { status: 401, body: { error: 'unauthenticated', reason: SIGN_IN_HINT } };
const NOT_SIGNED_IN =
  'You are not signed in. Run `capstan dashboard link` (or look at what `capstan up` printed) and open the one-time link it prints.';
/**
 * A page without a session. A live part of a page polling with a session that expired meanwhile gets
 * `HX-Refresh`: htmx reloads the page, which then says to sign in, instead of going silently stale.
 */
const pageUnauthenticated = async (req: DashboardRequest, deps: DashboardDeps): Promise<DashboardAnswer> => ({
  status: 401,
  html: signedOutPage(NOT_SIGNED_IN, { slack: await offersSlack(deps) }).text,
  ...(req.htmx ? { refresh: true } : {}),
});

/** Whether to offer Sign in with Slack: best effort, a sign-in secret that cannot be read now offers none. */
const offersSlack = async (deps: DashboardDeps) => (await deps.slack().catch(() => undefined)) !== undefined;

/**
 * A session still good: signed, not expired, and for a Slack person, their workspace still let in. Checked
 * on every request, so revoking a workspace (`capstan access workspace revoke`) ends its sessions at once.
 */
const validSession = async (req: DashboardRequest, deps: DashboardDeps): Promise<Session | undefined> => {
  const token = sessionTokenOf(req.cookies);
  const session = token ? await verifySession(deps.sessionKey, token, deps.now()) : undefined;
  const slackTeam = /^slack:([^/]+)\//.exec(session?.principal ?? '')?.[1];
  if (slackTeam && !(await deps.reads.workspaceAllowed('slack', slackTeam))) return undefined;
  return session;
};

/**
 * One request to the dashboard. Signing in turns a one-time ticket into a session cookie; every page and
 * everything under /api answers only to a valid session, and says nothing of the fleet otherwise. The
 * style sheet and script are the same for everybody and hold nothing of the fleet.
 */
export const answerDashboard = async (req: DashboardRequest, deps: DashboardDeps): Promise<DashboardAnswer> => {
  if (req.routeKey === 'GET /signin') return signInForm(req, deps);
  if (req.routeKey === 'POST /signin') return signIn(req, deps);
  if (req.routeKey === 'GET /signin/slack') return startSlackSignIn(req, deps);
  if (req.routeKey === 'GET /signin/slack/callback') return finishSlackSignIn(req, deps);
  if (req.routeKey === 'POST /signout') {
    // Like signing in: another site's form must not sign a browser out either.
    if (!cameFromHere(req)) return { status: 403, body: { error: 'cross-origin', reason: 'sign out from capstan' } };
    return {
      status: 200,
      html: signedOutPage('You are signed out.', { slack: await offersSlack(deps) }).text,
      cookies: [signedOutCookie({ secure: req.secure })],
    };
  }
  if (req.routeKey === 'GET /assets/{file}') {
    const asset = deps.asset(req.pathParameters?.file ?? '');
    return asset ? { status: 200, asset } : { status: 404, body: { error: 'not-found', reason: 'no such asset' } };
  }
  const session = await validSession(req, deps);
  const isApi = req.routeKey.startsWith('GET /api/');
  if (!session) return isApi ? UNAUTHENTICATED : pageUnauthenticated(req, deps);
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
      // An app is a DNS label: anything else names none, and is never sent to the table as a key.
      const view = NameSchema.safeParse(name).success ? await appView(reads, name) : undefined;
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
      return appPageAnswer(req, session, deps);
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
