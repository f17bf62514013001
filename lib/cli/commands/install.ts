import { ensureComponents } from '../../local/components.ts';
import { progress } from '../log.ts';

/** `capstan install`: builds or fetches the local components into the cache (instant when cached). */
export const installCommand = async () => {
  const log = progress('install');
  await ensureComponents({ log });
  log('all local components are ready');
};
