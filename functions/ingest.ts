import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { issuerKeySets } from '../lib/ci/key-sets.ts';
import { acceptEvent } from '../lib/ingest/accept.ts';
import { ALERTMANAGER_HOOK_ROUTE, acceptAlertmanagerHook } from '../lib/ingest/alertmanager-hook.ts';
import { type HttpAnswer, httpResult } from '../lib/ingest/answer.ts';
import { MAX_EVENT_BODY_BYTES, MAX_HOOK_BODY_BYTES, requestBody } from '../lib/ingest/body.ts';
import { acceptCiDeploy, CI_DEPLOY_ROUTE, type CiPorts } from '../lib/ingest/ci-deploy.ts';
import { acceptGitLabHook, GITLAB_HOOK_ROUTE, type GitLabHookPorts } from '../lib/ingest/gitlab-hook.ts';
import { acceptHook } from '../lib/ingest/hook.ts';
import { hookSecret } from '../lib/ingest/hook-secret.ts';
import { acceptKubeHook, KUBERNETES_HOOK_ROUTE } from '../lib/ingest/kube-hook.ts';
import { ingestSecret } from '../lib/ingest/secret.ts';
import { wire } from '../lib/lambda/wiring.ts';
import { imageSources } from '../lib/sources/index.ts';
import { findApp, listApps } from '../lib/store/apps.ts';
import { forgetTokenId, useTokenId } from '../lib/store/token-ids.ts';

const w = wire('ingest');
const secret = ingestSecret(w.secrets);
/** CI jobs' OIDC requests: issuers' keys cached per process, as jose caches them (lib/ci/key-sets.ts). */
const ci: CiPorts = {
  appSpec: async (app) => (await findApp(w.db, app))?.spec,
  keys: issuerKeySets(),
  useTokenId: (issuer, jti, expiresAt) => useTokenId(w.db, issuer, jti, expiresAt, new Date()),
  forgetTokenId: (issuer, jti) => forgetTokenId(w.db, issuer, jti),
  enqueue: w.deploy.enqueue,
  audience: process.env.CAPSTAN_OIDC_AUDIENCE || 'capstan',
  now: () => new Date(),
};
/** GitLab pipeline webhooks: which apps a project may release is in every app's `ci` entries. */
const gitlab: GitLabHookPorts = {
  apps: async () => (await listApps(w.db)).map((r) => r.spec),
  enqueue: w.deploy.enqueue,
  now: () => new Date(),
};

/** The one 5xx: capstan itself cannot take the request now (secret or queue unreachable); producers retry it. */
const UNAVAILABLE: HttpAnswer = {
  status: 503,
  body: { error: 'unavailable', reason: 'capstan cannot take the request now; retry later' },
};

/** The registry whose webhook the route serves, if it is one. */
const registryOf = (routeKey: string) => imageSources.find((s) => s.route && routeKey === `POST ${s.route}`);
const KUBERNETES_ROUTE_KEY = `POST ${KUBERNETES_HOOK_ROUTE}`;
const ALERTMANAGER_ROUTE_KEY = `POST ${ALERTMANAGER_HOOK_ROUTE}`;
const CI_DEPLOY_ROUTE_KEY = `POST ${CI_DEPLOY_ROUTE}`;
const GITLAB_ROUTE_KEY = `POST ${GITLAB_HOOK_ROUTE}`;

/** The route's own acceptance of a body already within its limit. */
const accept = async (event: APIGatewayProxyEventV2, rawBody: string): Promise<HttpAnswer> => {
  const headers = event.headers ?? {};
  if (event.routeKey === KUBERNETES_ROUTE_KEY) {
    return acceptKubeHook(
      { rawBody, headers, cluster: event.pathParameters?.cluster },
      await secret(),
      w.deploy.enqueue,
    );
  }
  if (event.routeKey === CI_DEPLOY_ROUTE_KEY) return acceptCiDeploy({ rawBody, headers }, ci);
  if (event.routeKey === GITLAB_ROUTE_KEY) {
    return acceptGitLabHook({ rawBody, headers, project: event.pathParameters?.project }, await secret(), gitlab);
  }
  if (event.routeKey === ALERTMANAGER_ROUTE_KEY) {
    return acceptAlertmanagerHook({ rawBody, headers }, await secret(), w.deploy.enqueue);
  }
  const source = registryOf(event.routeKey);
  if (!source) return acceptEvent({ rawBody, headers }, await secret(), w.deploy.enqueue);
  const request = { rawBody, headers, pathSecret: event.pathParameters?.secret };
  return acceptHook(source, request, hookSecret(await secret(), source.name), w.deploy.enqueue);
};

/**
 * POST /events: authenticated, validated events from CI, bots and automation go onto their queue.
 * POST /hooks/<registry>: a registry's own webhook, verified its way with its own secret (hook-secret.ts),
 * becomes image.pushed events. POST /hooks/kubernetes/<cluster>: a cluster's kubernetes-event-exporter, with
 * that cluster's own token, becomes node.lost candidates. POST /hooks/alertmanager: Alertmanager's webhook receiver,
 * with its own token, becomes hpa.threshold.hit events on the scale queue. POST /ci/deploy: a CI job's deploy
 * request, proven by its OIDC ID token (lib/ci). POST /hooks/gitlab/<project>: a GitLab project's pipeline
 * webhook, with that project's own token: a successful pipeline's deploy job becomes deploy requests. The body's size is settled first, before anything reads it.
 */
export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const hook =
    event.routeKey === KUBERNETES_ROUTE_KEY ||
    event.routeKey === ALERTMANAGER_ROUTE_KEY ||
    event.routeKey === GITLAB_ROUTE_KEY ||
    registryOf(event.routeKey) !== undefined;
  const body = requestBody(event.body, event.isBase64Encoded, hook ? MAX_HOOK_BODY_BYTES : MAX_EVENT_BODY_BYTES);
  let answer: HttpAnswer;
  if (!body.ok) answer = body.answer;
  else {
    try {
      answer = await accept(event, body.rawBody);
    } catch (error) {
      // Input is answered inside accept*; what is thrown here is capstan's own failure.
      w.logger.error('request failed', { route: event.routeKey, error: error as Error });
      answer = UNAVAILABLE;
    }
  }
  return httpResult(answer, event.routeKey, w.logger);
}).use(
  // Never the request itself (its headers carry webhook secrets), whatever POWERTOOLS_LOGGER_LOG_EVENT says.
  injectLambdaContext(w.logger, { logEvent: false }),
);
