import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type FunctionName, functions } from '../topology.ts';
import { repoRoot } from './state.ts';

/**
 * Loads a function's handler module the way Lambda would: once, after its environment is set, since
 * handlers read configuration and create clients at module scope.
 */
export const loadHandler = async <H>(name: FunctionName): Promise<H> => {
  const module = (await import(pathToFileURL(join(repoRoot, functions[name].entry)).href)) as { handler?: H };
  if (!module.handler) throw new Error(`${functions[name].entry} exports no handler`);
  return module.handler;
};
