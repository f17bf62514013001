import { InvalidInputError } from '../../errors.ts';
import { encodeCursor, pageQueryOf, parseHistoryParams } from '../decisions/history-query.ts';
import type { DashboardAnswer, DashboardDeps, DashboardRequest } from '../ports.ts';

export type { DashboardAnswer, DashboardRequest } from '../ports.ts';

import { type Session, sessionTokenOf, signedOutCookie, verifySession } from '../session.ts';
import { fleetView } from './fleet.ts';
import { signIn, signInForm } from './sign-in.ts';

const UNAUTHENTICATED: DashboardAnswer = {
  status: 401,
  body: { error: 'unauthenticated', reason: 'sign in first: `capstan dashboard link` prints a one-time link' },
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
 * One request to the dashboard. Signing in turns a one-time ticket into a session cookie; everything
 * under /api answers only to a valid session, and says nothing of the fleet otherwise.
 */
export const answerDashboard = async (req: DashboardRequest, deps: DashboardDeps): Promise<DashboardAnswer> => {
  if (req.routeKey === 'GET /signin') return signInForm(req, deps);
  if (req.routeKey === 'POST /signin') return signIn(req, deps);
  if (req.routeKey === 'POST /signout') {
    return { status: 200, body: { signedOut: true }, cookies: [signedOutCookie({ secure: req.secure })] };
  }
  const token = sessionTokenOf(req.cookies);
  const session = token ? await verifySession(deps.sessionKey, token, deps.now()) : undefined;
  if (!session) return UNAUTHENTICATED;
  return answerApi(req, session, deps);
};

const answerApi = async (req: DashboardRequest, session: Session, deps: DashboardDeps): Promise<DashboardAnswer> => {
  switch (req.routeKey) {
    case 'GET /api/session':
      return { status: 200, body: { ...session } };
    case 'GET /api/fleet':
      return { status: 200, body: { ...(await fleetView(deps.reads)) } };
    case 'GET /api/history': {
      const parsed = parseHistoryParams(paramsOf(req.rawQueryString));
      if (!parsed.ok) return { status: 400, body: { error: 'invalid-query', issues: parsed.issues } };
      const page = await deps.reads.history(pageQueryOf(parsed.filter)).catch((error: unknown) => {
        if (error instanceof InvalidInputError) return { invalid: error.issues };
        throw error;
      });
      if ('invalid' in page) return { status: 400, body: { error: 'invalid-query', issues: page.invalid } };
      const next = page.next ? { next: encodeCursor(page.next, parsed.filter) } : {};
      return { status: 200, body: { entries: page.entries, ...next } };
    }
    default:
      return { status: 404, body: { error: 'not-found', reason: `no route ${req.routeKey}` } };
  }
};
