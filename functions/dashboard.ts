import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readAsset } from '../lib/dashboard/assets.ts';
import type { DashboardDeps, DashboardRequest, SlackSignIn } from '../lib/dashboard/ports.ts';
import { answerDashboard, type DashboardAnswer } from '../lib/dashboard/use-cases/answer.ts';
import { RELEASES_READ } from '../lib/dashboard/use-cases/fleet.ts';
import { onceUnlessFailed } from '../lib/lambda/once.ts';
import { readSignInSecret } from '../lib/lambda/sign-in-secret.ts';
import { slackOpenId } from '../lib/lambda/slack-openid.ts';
import { wire } from '../lib/lambda/wiring.ts';
import { isWorkspaceAllowed } from '../lib/store/access.ts';
import { findApp, listApps } from '../lib/store/apps.ts';
import { listClusters } from '../lib/store/clusters.ts';
import { environmentPolicy, listEnvironments } from '../lib/store/environments.ts';
import { listHeals } from '../lib/store/heals.ts';
import { historyPage } from '../lib/store/history-page.ts';
import { listImageHeals } from '../lib/store/image-heals.ts';
import { listApprovals } from '../lib/store/release-approvals.ts';
import { listReleases } from '../lib/store/releases.ts';
import { listScaleOverrides } from '../lib/store/scale-overrides.ts';
import { sessionKey } from '../lib/store/session-key.ts';
import { peekTicket, redeemTicket } from '../lib/store/sign-in-tickets.ts';

const w = wire('dashboard');
/** Read again every minute: `capstan dashboard rotate-key` signs everyone out within that, warm functions too. */
const key = onceUnlessFailed(() => sessionKey(w.db, new Date()), { forMs: 60_000 });

/**
 * Sign in with Slack from the sign-in secret (undefined: not set up), read and made again every few minutes
 * so a secret filled in or rotated takes effect without waiting for a cold start.
 */
const slack = onceUnlessFailed(
  async (): Promise<SlackSignIn | undefined> => {
    const { slack: client } = await readSignInSecret(w.secrets);
    if (!client) return undefined;
    return slackOpenId({
      ...client,
      ...(process.env.CAPSTAN_SLACK_API_URL ? { apiUrl: process.env.CAPSTAN_SLACK_API_URL } : {}),
      ...(process.env.CAPSTAN_SLACK_OIDC_URL ? { oidcUrl: process.env.CAPSTAN_SLACK_OIDC_URL } : {}),
    });
  },
  { forMs: 5 * 60_000 },
);

const deps = async (): Promise<DashboardDeps> => {
  return {
    reads: {
      apps: () => listApps(w.db),
      app: (name) => findApp(w.db, name),
      clusters: () => listClusters(w.db),
      environmentNames: async () => (await listEnvironments(w.db)).map((e) => e.name),
      policy: (environment) => environmentPolicy(w.db, environment),
      releases: (app, environment) => listReleases(w.db, app, environment, RELEASES_READ),
      history: (q) => historyPage(w.db, q),
      heals: (cluster) => listHeals(w.db, cluster),
      imageHeals: (cluster) => listImageHeals(w.db, cluster),
      openApprovals: (app, environment) => listApprovals(w.db, app, environment, { state: 'open' }),
      overrides: (cluster) => listScaleOverrides(w.db, cluster),
      workspaceAllowed: (chat, workspace) => isWorkspaceAllowed(w.db, chat, workspace),
    },
    asset: readAsset,
    redeem: (ticket) => redeemTicket(w.db, ticket, new Date()),
    peek: (ticket) => peekTicket(w.db, ticket, new Date()),
    sessionKey: await key(),
    now: () => new Date(),
    slack,
  };
};

/** Plain http on loopback (the local runtime) is the one place a Secure cookie would be dropped. */
const onLoopback = (event: APIGatewayProxyEventV2) =>
  /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(event.requestContext.domainName);

/**
 * Every answer: never cached, never sniffed, never framed, never sent to another site as a referrer (a
 * sign-in link is one). Pages load capstan's own style sheet and script and nothing else, fetch only from
 * capstan, and post forms only to it; no inline script or style runs. Not `no-referrer`: under it
 * browsers send `Origin: null` with a form post (Fetch, "append a request Origin header"), and the
 * sign-in button's post is taken only with capstan's own origin.
 */
const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'same-origin',
};

const contentTypeOf = (answer: DashboardAnswer) =>
  answer.asset?.contentType ?? (answer.html !== undefined ? 'text/html; charset=utf-8' : 'application/json');

const result = (answer: DashboardAnswer): APIGatewayProxyStructuredResultV2 => ({
  statusCode: answer.status,
  headers: {
    ...SECURITY_HEADERS,
    'content-type': contentTypeOf(answer),
    // The style sheet and script are the same for everybody: a browser may keep them a few minutes.
    ...(answer.asset ? { 'cache-control': 'public, max-age=300' } : {}),
    ...(answer.location ? { location: answer.location } : {}),
    ...(answer.refresh ? { 'hx-refresh': 'true' } : {}),
  },
  ...(answer.cookies?.length ? { cookies: [...answer.cookies] } : {}),
  body: answer.asset?.body ?? answer.html ?? (answer.body ? JSON.stringify(answer.body) : ''),
});

/** What the dashboard needs of an API Gateway request (payload 2.0). */
const requestOf = (event: APIGatewayProxyEventV2): DashboardRequest => {
  const body = bodyOf(event);
  const headers = event.headers ?? {};
  const htmx = headers['hx-request'] === 'true' ? (headers['hx-boosted'] === 'true' ? 'boosted' : 'poll') : undefined;
  return {
    routeKey: event.routeKey,
    rawQueryString: event.rawQueryString ?? '',
    ...(event.pathParameters ? { pathParameters: event.pathParameters as Record<string, string> } : {}),
    ...(event.cookies ? { cookies: event.cookies } : {}),
    secure: !onLoopback(event),
    ...(body !== undefined ? { body } : {}),
    ...(headers.origin ? { origin: headers.origin } : {}),
    ownOrigin: `${onLoopback(event) ? 'http' : 'https'}://${event.requestContext.domainName}`,
    ...(htmx ? { htmx } : {}),
  };
};

/** A form post's body as text (API Gateway hands over what is not text base64-encoded), at most 4 KiB. */
const bodyOf = (event: APIGatewayProxyEventV2): string | undefined => {
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body;
  return raw !== undefined && raw.length <= 4096 ? raw : undefined;
};

/**
 * The dashboard's HTTP routes: GET /signin shows who a one-time link signs in, its button's POST /signin
 * turns it into a session cookie; the pages and GET /api/* answer signed-in people with the fleet, its
 * releases, healing, scaling, approvals and history, read from the table alone. Refusals are logged by route
 * and status only: a sign-in link's ticket is in its query.
 */
export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  let answer: DashboardAnswer;
  try {
    answer = await answerDashboard(requestOf(event), await deps());
  } catch (error) {
    w.logger.error('request failed', { route: event.routeKey, error: error as Error });
    answer = { status: 503, body: { error: 'unavailable', reason: 'capstan cannot answer now; retry later' } };
  }
  if (answer.status >= 400) w.logger.warn('request refused', { route: event.routeKey, status: answer.status });
  return result(answer);
}).use(injectLambdaContext(w.logger, { logEvent: false }));
