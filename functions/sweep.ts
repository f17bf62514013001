import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { probeClusters } from '../lib/fleet/use-cases/probe.ts';
import { sweepNodes } from '../lib/heal/use-cases/sweep.ts';
import { sweepRbdSymptoms } from '../lib/heal/use-cases/sweep-rbd.ts';
import { wire } from '../lib/lambda/wiring.ts';
import { sweepOverrides } from '../lib/scale/use-cases/sweep-overrides.ts';
import { rbdSymptomReader } from '../lib/sources/rbd-symptoms.ts';

const w = wire('sweep');

/**
 * Scheduled: probe every registered cluster and record whether it answers; then read the nodes of those
 * that do, for healing's node.lost and node.recovered candidates, and their recent Warning Events, for its
 * rbd.lock.detected ones; and nudge scaling overrides whose expiry was lost.
 */
export const handler = middy(async () => {
  const probes = await probeClusters(w.deploy);
  const reachable = new Set(probes.filter((p) => p.status === 'reachable').map((p) => p.cluster));
  const clusters = (await w.deploy.store.clusters.list()).filter((c) => reachable.has(c.name));
  const [nodes, rbd, overrides] = await Promise.all([
    sweepNodes(w.heal, clusters),
    sweepRbdSymptoms({ ...w.heal, symptoms: rbdSymptomReader }, clusters),
    sweepOverrides(w.scale, clusters),
  ]);
  w.logger.info('sweep done', { probes, nodes, rbd, overrides });
  return { probes, nodes, rbd, overrides };
}).use(injectLambdaContext(w.logger, { logEvent: false }));
