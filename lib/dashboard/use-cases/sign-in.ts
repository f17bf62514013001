import type { DashboardAnswer, DashboardDeps, DashboardRequest } from '../ports.ts';
import { signInPage, signInRefusedPage } from '../render/sign-in-page.ts';
import { SESSION_SECONDS, sessionCookie, signSession } from '../session.ts';

/** Where a signed-in browser goes: the fleet matrix. */
export const SIGNED_IN_LOCATION = '/';

const REFUSED = 'It was used already, has expired, or is not capstan’s. `capstan dashboard link` prints a new one.';
const TICKET = /^[A-Za-z0-9_-]{43}$/;

/** The one value of `name` in a query string or form body, if given exactly once. */
const single = (raw: string, name: string): string | undefined => {
  const values = new URLSearchParams(raw).getAll(name);
  return values.length === 1 && TICKET.test(values[0] ?? '') ? values[0] : undefined;
};

/**
 * GET /signin?ticket=…: a page saying who the link signs in, with a button; nothing is spent. A link
 * previewed by a chat or mail scanner therefore still works for the person it was made for.
 */
export const signInForm = async (req: DashboardRequest, deps: DashboardDeps): Promise<DashboardAnswer> => {
  const ticket = single(req.rawQueryString, 'ticket');
  const who = ticket ? await deps.peek(ticket) : undefined;
  if (!ticket || !who) return { status: 401, html: signInRefusedPage(REFUSED) };
  return { status: 200, html: signInPage({ ticket, ...who }) };
};

/** Whether a form post came from capstan's own pages (its Origin header), never another site's form. */
export const cameFromHere = (req: DashboardRequest) => req.origin !== undefined && req.origin === req.ownOrigin;

/**
 * POST /signin (the page's button): the ticket redeemed once, a session cookie, a redirect. Only a post
 * from capstan's own origin is taken: another site's form cannot sign a browser in as somebody else.
 */
export const signIn = async (req: DashboardRequest, deps: DashboardDeps): Promise<DashboardAnswer> => {
  if (!cameFromHere(req)) {
    return { status: 403, body: { error: 'cross-origin', reason: 'sign in from the page the sign-in link opens' } };
  }
  const ticket = single(req.body ?? '', 'ticket');
  const who = ticket ? await deps.redeem(ticket) : undefined;
  if (!who) return { status: 401, html: signInRefusedPage(REFUSED) };
  const token = await signSession(deps.sessionKey, who, deps.now());
  return {
    status: 303,
    location: SIGNED_IN_LOCATION,
    cookies: [sessionCookie(token, { secure: req.secure, maxAgeSeconds: SESSION_SECONDS })],
  };
};
