import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { messageOf } from '../errors.ts';
import type { WorkerData, WorkerReply, WorkerRequest } from './function-host.ts';
import { lambdaContext } from './lambda-context.ts';

/**
 * One execution environment of a function, as a Lambda sandbox is: its own process.env (exactly what
 * lib/contract.ts gives it, set by the host), its own module scope, its handler loaded once, one
 * invocation at a time.
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

const reply = (message: WorkerReply) => {
  try {
    port.postMessage(message);
  } catch (error) {
    // A result that cannot cross to the host (not structured-cloneable) fails the invocation, not the sandbox.
    port.postMessage({ id: message.id, ok: false, error: `result not serializable: ${messageOf(error)}` });
  }
};

try {
  const handler = await load();
  port.on('message', async (request: WorkerRequest) => {
    try {
      const context = lambdaContext(data.functionName, data.timeoutSeconds, data.memoryMb);
      reply({ id: request.id, ok: true, value: await handler(request.event, context) });
    } catch (error) {
      reply({ id: request.id, ok: false, error: messageOf(error) });
    }
  });
  reply({ id: 0, ok: true, value: 'ready' });
} catch (error) {
  // A cold start that fails (bad configuration, missing variable) is reported, as Lambda's init error is.
  reply({ id: 0, ok: false, error: messageOf(error) });
}
