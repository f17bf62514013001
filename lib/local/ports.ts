import { createServer, type Server } from 'node:net';

// Ports handed out by this process. The kernel may give a just-closed port to the next listen(0), and
// clusters start in parallel, so without this two components could be told to use the same port.
const handedOut = new Set<number>();

const listenOnLoopback = (): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve(server));
  });

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/**
 * `count` distinct free ports on 127.0.0.1, never returned before by this process. They are held open
 * together while being chosen, so they are distinct from each other; there is still a short window
 * before the child binds them in which another program could take one (the child then fails to start
 * with "address already in use", which shows in its log).
 */
export const freePorts = async (count: number): Promise<number[]> => {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const server = await listenOnLoopback();
      held.push(server);
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('loopback listener has no port');
      if (handedOut.has(address.port)) continue;
      ports.push(address.port);
    }
  } finally {
    await Promise.all(held.map(close));
  }
  for (const port of ports) handedOut.add(port);
  return ports;
};

export const freePort = async (): Promise<number> => {
  const [port] = await freePorts(1);
  return port as number;
};

const isPortFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });

/**
 * The same ports as last time where they are still free, fresh ones (freePorts) for the others: a
 * restarted cluster keeps its address, so kubeconfigs written elsewhere stay valid, unless another
 * program took the port meanwhile.
 */
export const reusePorts = async (previous: readonly number[]): Promise<number[]> => {
  const ports: number[] = [];
  for (const port of previous) {
    if (!handedOut.has(port) && (await isPortFree(port))) {
      handedOut.add(port);
      ports.push(port);
    } else {
      ports.push(await freePort());
    }
  }
  return ports;
};
