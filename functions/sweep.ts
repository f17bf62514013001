import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { probeClusters } from '../lib/fleet/use-cases/probe.ts';
import { wire } from '../lib/lambda/wiring.ts';

const w = wire('sweep');

/** Scheduled: probe every registered cluster and record whether it answers. */
export const handler = middy(async () => {
  const results = await probeClusters(w.deploy);
  w.logger.info('sweep done', { results });
  return results;
}).use(injectLambdaContext(w.logger, { logEvent: false }));
