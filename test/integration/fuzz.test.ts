import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../support/aws.ts';
import { secretsOf } from '../support/fuzz/credentials.ts';
import { type FuzzEdge, startFuzzEdge } from '../support/fuzz/edge.ts';
import { closeClients } from '../support/fuzz/http.ts';
import { Ledger } from '../support/fuzz/ledger.ts';
import type { RouteFuzzSpec } from '../support/fuzz/route-spec.ts';
import { alertmanagerRoute } from '../support/fuzz/routes/alertmanager.ts';
import { type CiFuzz, ciDeployRoute, startCiFuzz } from '../support/fuzz/routes/ci.ts';
import { distributionRoute } from '../support/fuzz/routes/distribution.ts';
import { dockerhubRoute } from '../support/fuzz/routes/dockerhub.ts';
import { eventsRoute } from '../support/fuzz/routes/events.ts';
import { ghcrRoute } from '../support/fuzz/routes/ghcr.ts';
import { gitlabRoute } from '../support/fuzz/routes/gitlab.ts';
import { harborRoute } from '../support/fuzz/routes/harbor.ts';
import { kubernetesRoute } from '../support/fuzz/routes/kubernetes.ts';
import { mattermostActionsRoute, mattermostCommandsRoute } from '../support/fuzz/routes/mattermost.ts';
import { slackCommandsRoute, slackInteractivityRoute } from '../support/fuzz/routes/slack.ts';
import { teamsRoute } from '../support/fuzz/routes/teams.ts';
import { checkQueues, formatFigures, fuzzRoute, type RouteFigures } from '../support/fuzz/run.ts';

/**
 * Webhook fuzz (issue 8, item 5): generated requests to every route of the HTTP edge (the real ingest and chat handlers
 * behind the local server, sending to real ElasticMQ queues): valid ones, mutations of them, oversized bodies,
 * wrong types and encodings, bad credentials, stale signatures and replays. Invariants: no 5xx, every refusal
 * the 4xx its case calls for, nothing invalid enqueued, every distinct valid event enqueued exactly once.
 * `npm test` runs a short profile; `npm run fuzz` runs >= 10,000 requests per route and prints the figures.
 */
const RUNS = Number(process.env.CAPSTAN_FUZZ_RUNS ?? 1000);
const SEED = Number(process.env.CAPSTAN_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe(`webhook fuzz: ${RUNS} cases per route, seed ${SEED}`, () => {
  let edge: FuzzEdge;
  let ci: CiFuzz;
  const ledger = new Ledger();
  const figures: RouteFigures[] = [];

  beforeAll(async () => {
    edge = await startFuzzEdge(
      { sqs: inject('infra').sqsEndpoint, dynamodb: inject('infra').dynamodbEndpoint },
      uniqueName('fuzz'),
    );
    ci = await startCiFuzz(edge.db);
  });
  afterAll(async () => {
    closeClients();
    await edge?.stop();
    await ci?.close();
  });

  const routes: [string, (secrets: ReturnType<typeof secretsOf>) => RouteFuzzSpec | Promise<RouteFuzzSpec>][] = [
    ['POST /events', eventsRoute],
    ['POST /hooks/distribution', distributionRoute],
    ['POST /hooks/harbor', harborRoute],
    ['POST /hooks/dockerhub/{secret}', dockerhubRoute],
    ['POST /hooks/ghcr', ghcrRoute],
    ['POST /hooks/kubernetes/{cluster}', kubernetesRoute],
    ['POST /hooks/alertmanager', alertmanagerRoute],
    ['POST /hooks/slack/commands', slackCommandsRoute],
    ['POST /hooks/slack/interactivity', slackInteractivityRoute],
    ['POST /hooks/mattermost/commands', mattermostCommandsRoute],
    ['POST /hooks/mattermost/actions', mattermostActionsRoute],
    ['POST /hooks/teams', teamsRoute],
    // Its tokens are signed when its turn comes, so they are fresh for the whole of its run.
    ['POST /ci/deploy', () => ciDeployRoute(ci, edge.token, RUNS)],
    // Its app goes into the edge's table first: which apps a project may release is in their `ci` entries.
    ['POST /hooks/gitlab/{project}', (secrets) => gitlabRoute(edge.db, secrets)],
  ];
  // Each route's timeout scales with its runs: the full profile sends tens of thousands of requests.
  const timeout = 120_000 + RUNS * 60;
  for (const [i, [route, spec]] of routes.entries()) {
    // A seed per route: with one, every route would draw the same sequence of case kinds.
    it(`${route}: no 5xx, each refusal its 4xx, each valid request accepted`, { timeout }, async () => {
      figures.push(await fuzzRoute(edge, await spec(secretsOf(edge.token)), ledger, { runs: RUNS, seed: SEED + i }));
    });
  }

  it('the queue holds exactly one valid event per distinct accepted event id, and nothing else', {
    timeout,
  }, async () => {
    const problems = await checkQueues(edge, ledger);
    console.log(formatFigures(figures, ledger, SEED));
    expect(problems.slice(0, 20)).toEqual([]);
    expect(figures.map((f) => f.route)).toEqual([
      'events',
      'distribution',
      'harbor',
      'dockerhub',
      'ghcr',
      'kubernetes',
      'alertmanager',
      'slack-commands',
      'slack-interactivity',
      'mattermost-commands',
      'mattermost-actions',
      'teams',
      'ci-deploy',
      'gitlab',
    ]);
    for (const f of figures) expect(f.validAccepted, f.route).toBeGreaterThan(0);
    // The ingest and chat functions never asked for what their roles lack (lib/contract.ts).
    expect(edge.denied).toEqual([]);
  });
});
