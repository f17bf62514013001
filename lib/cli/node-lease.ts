import { hostname } from 'node:os';
import { ConflictError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { acquireHealLease, type HealKey, releaseHealLease } from '../store/heals.ts';

/** Longer than approve or cancel takes; 10 tries 0.5 s apart outlast a heal step's few seconds. */
const LEASE_SECONDS = 30;
const LEASE_TRIES = 10;
const LEASE_WAIT_MS = 500;

/**
 * Runs `step` holding the node's heal lease (lib/store/heals.ts), as every heal step does, so a person's
 * decision never interleaves with one; a step holds it for seconds, so a held lease is waited for a little.
 */
export const underNodeLease = async <T>(db: Db, key: HealKey, step: () => Promise<T>): Promise<T> => {
  const holder = `cli/${hostname()}/${process.pid}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await acquireHealLease(db, key, holder, LEASE_SECONDS);
      break;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      if (attempt >= LEASE_TRIES) {
        throw new ConflictError(
          `node ${key.node} of cluster ${key.cluster} is being worked on by a heal step (it holds the node's lease): try again shortly`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, LEASE_WAIT_MS));
    }
  }
  try {
    return await step();
  } finally {
    await releaseHealLease(db, key, holder);
  }
};
