import { encodeCursor, pageQueryOf, parseHistoryParams } from '../decisions/history-query.ts';
import type { DashboardDeps } from '../ports.ts';
import { type Session, sessionTokenOf, signedOutCookie, verifySession } from '../session.ts';
import { fleetView } from './fleet.ts';
import { signIn, signInForm } from './sign-in.ts';

/** The dashboard's routes (lib/topology.ts serves them; a unit test keeps the two lists equal). */
export const DASHBOARD_ROUTES = [
  { method: 'GET', path: '/signin' },
  { method: 'POST', path: '/signin' },
  { method: 'POST', path: '/signout' },
  { method: 'GET', path: '/api/session' },
  { method: 'GET', path: '/api/fleet' },
  { method: 'GET', path: '/api/history' },
] as const;

export interface DashboardRequest {
  /** `GET /api/fleet`: the route API Gateway (or the local edge) matched. */
  readonly routeKey: string;
  readonly rawQueryString: string;
  /** Payload 2.0 `cookies`. */
  readonly cookies?: readonly string[];
  /** Whether cookies must be `Secure`: everywhere but plain http on loopback. */
  readonly secure: boolean;
  /** The request's body, decoded (a form post). */
  readonly body?: string;
  /** The browser's Origin header, and capstan's own origin as this request reached it. */
  readonly origin?: string;
  readonly ownOrigin: string;
}

export interface DashboardAnswer {
  readonly status: number;
  readonly body?: Record<string, unknown>;
  readonly cookies?: readonly string[];
  readonly location?: string;
  /** A page instead of JSON (sign-in). */
  readonly html?: string;
}

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
      const page = await deps.reads.history(pageQueryOf(parsed.filter));
      return { status: 200, body: { entries: page.entries, ...(page.next ? { next: encodeCursor(page.next) } : {}) } };
    }
    default:
      return { status: 404, body: { error: 'not-found', reason: `no route ${req.routeKey}` } };
  }
};
