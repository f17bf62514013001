import { randomBytes } from 'node:crypto';
import type { DashboardAnswer, DashboardDeps, DashboardRequest } from '../ports.ts';
import { signedInPage, signInRefusedPage } from '../render/sign-in-page.ts';
import { SESSION_SECONDS, sessionCookie, signSession } from '../session.ts';
import { flowCookie, flowTokenOf, sameState, signFlow, verifyFlow } from '../sign-in-flow.ts';

const CALLBACK = '/signin/slack/callback';
const NOT_SET_UP =
  'Sign in with Slack is not set up here: put the Slack app’s OpenID client id and secret in the sign-in secret (README, “Dashboard”). `capstan dashboard link` prints a one-time link meanwhile.';
const START_AGAIN = 'This sign-in did not start here, or took too long. Start again from the sign-in page.';

const random = () => randomBytes(32).toString('base64url');

/** The one value of `name` in a query string, if given exactly once and not absurdly long. */
const single = (raw: string, name: string): string | undefined => {
  const values = new URLSearchParams(raw).getAll(name);
  return values.length === 1 && (values[0] ?? '').length > 0 && (values[0] ?? '').length <= 2048
    ? values[0]
    : undefined;
};

const refused = (status: number, why: string, secure: boolean): DashboardAnswer => ({
  status,
  html: signInRefusedPage(why),
  // The flow is spent either way: a second try starts a new one.
  cookies: [flowCookie('', { secure, maxAgeSeconds: 0 })],
});

/**
 * GET /signin/slack: off to Slack's authorize page, with a fresh state (against a forged callback) and nonce
 * (against a replayed ID token), both kept in this browser's flow cookie.
 */
export const startSlackSignIn = async (req: DashboardRequest, deps: DashboardDeps): Promise<DashboardAnswer> => {
  const slack = await deps.slack();
  if (!slack) return { status: 404, html: signInRefusedPage(NOT_SET_UP) };
  const flow = { state: random(), nonce: random() };
  return {
    status: 302,
    location: slack.authorizeUrl({ ...flow, redirectUri: `${req.ownOrigin}${CALLBACK}` }),
    cookies: [flowCookie(await signFlow(deps.sessionKey, flow, deps.now()), { secure: req.secure })],
  };
};

/**
 * GET /signin/slack/callback?code=…&state=…: Slack sent the browser back. Only the browser that started
 * the flow (its cookie holds the same state), only with a code Slack redeems for an ID token that checks
 * out with the flow's nonce, and only a person of a workspace capstan lets in (`capstan access workspace
 * allow slack <team>`, as for chat-ops) gets a session, as `slack:<team>/<user>`: the same principal chat
 * roles and approvals know. The answer is a page that moves on to the fleet itself: after a redirect chain
 * that began on slack.com, browsers would not send the new SameSite=Strict cookie with a redirect.
 */
export const finishSlackSignIn = async (req: DashboardRequest, deps: DashboardDeps): Promise<DashboardAnswer> => {
  const slack = await deps.slack();
  if (!slack) return { status: 404, html: signInRefusedPage(NOT_SET_UP) };
  const token = flowTokenOf(req.cookies);
  const flow = token ? await verifyFlow(deps.sessionKey, token, deps.now()) : undefined;
  const state = single(req.rawQueryString, 'state');
  // The flow is left as it is: another site's link to this callback must not cancel a sign-in under way.
  if (!flow || !state || !sameState(state, flow.state)) return { status: 401, html: signInRefusedPage(START_AGAIN) };
  const error = single(req.rawQueryString, 'error');
  if (error) return refused(401, `Slack did not sign you in (${error}).`, req.secure);
  const code = single(req.rawQueryString, 'code');
  if (!code) return refused(400, 'Slack sent no code back. Start again from the sign-in page.', req.secure);
  let who: Awaited<ReturnType<typeof slack.identify>>;
  try {
    who = await slack.identify({ code, redirectUri: `${req.ownOrigin}${CALLBACK}`, nonce: flow.nonce });
  } catch {
    // Slack out of reach, slow or rate limiting: the code may be spent; a new sign-in gets a new one.
    return refused(503, 'Slack could not be reached just now. Start again from the sign-in page.', req.secure);
  }
  if (!who) return refused(401, 'Slack’s answer did not check out. Start again from the sign-in page.', req.secure);
  if (!(await deps.reads.workspaceAllowed('slack', who.team))) {
    return refused(
      403,
      `Your Slack workspace (${who.team}) is not let in here. An operator lets it in with \`capstan access workspace allow slack ${who.team}\`.`,
      req.secure,
    );
  }
  const principal = `slack:${who.team}/${who.user}`;
  const session = await signSession(
    deps.sessionKey,
    { principal, ...(who.name ? { name: who.name } : {}) },
    deps.now(),
  );
  return {
    status: 200,
    html: signedInPage({ principal, ...(who.name ? { name: who.name } : {}) }),
    cookies: [
      sessionCookie(session, { secure: req.secure, maxAgeSeconds: SESSION_SECONDS }),
      flowCookie('', { secure: req.secure, maxAgeSeconds: 0 }),
    ],
  };
};
