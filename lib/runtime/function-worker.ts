import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { messageOf } from '../errors.ts';
import type { WorkerData, WorkerReply, WorkerRequest } from './function-host.ts';
import { lambdaContext } from './lambda-context.ts';

/**
 * One function's execution environment, as a Lambda container is: its own process.env (exactly what
 * lib/contract.ts gives it, set by the host), its own module scope, its handler loaded once.
 */
const data = workerData as WorkerData;
const port = parentPort;
if (!port) throw new Error('function-worker runs as a worker thread only');

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const load = async (): Promise<Handler> => {
  const module = (await import(pathToFileURL(join(data.root, data.entry)).href)) as { handler?: Handler };
  if (!module.handler) throw new Error(`${data.entry} exports no handler`);
  return module.handler;
};

try {
  const handler = await load();
  port.on('message', async (request: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      const value = await handler(request.event, lambdaContext(data.functionName, data.timeoutSeconds));
      reply = { id: request.id, ok: true, value };
    } catch (error) {
      reply = { id: request.id, ok: false, error: messageOf(error) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ id: 0, ok: true, value: 'ready' } satisfies WorkerReply);
} catch (error) {
  // A cold start that fails (bad configuration, missing variable) is reported, as Lambda's init error is.
  port.postMessage({ id: 0, ok: false, error: messageOf(error) } satisfies WorkerReply);
}
