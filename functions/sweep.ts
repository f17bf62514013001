import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { probeClusters } from '../lib/fleet/use-cases/probe.ts';
import { sweepNodes } from '../lib/heal/use-cases/sweep.ts';
import { wire } from '../lib/lambda/wiring.ts';

const w = wire('sweep');

/**
 * Scheduled: probe every registered cluster and record whether it answers; then read the nodes of those
 * that do, for healing's node.lost and node.recovered candidates.
 */
export const handler = middy(async () => {
  const probes = await probeClusters(w.deploy);
  const reachable = new Set(probes.filter((p) => p.status === 'reachable').map((p) => p.cluster));
  const clusters = (await w.deploy.store.clusters.list()).filter((c) => reachable.has(c.name));
  const nodes = await sweepNodes(w.heal, clusters);
  w.logger.info('sweep done', { probes, nodes });
  return { probes, nodes };
}).use(injectLambdaContext(w.logger, { logEvent: false }));
