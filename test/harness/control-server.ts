import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalCluster } from '../../lib/local/cluster.ts';

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

const route = /^\/clusters\/([^/]+)\/apiserver\/(stop|start)$/;

/**
 * Tests run in worker processes, while the clusters belong to the global setup's process; this tiny
 * loopback HTTP endpoint lets a test take one cluster's apiserver down and bring it back
 * (`POST /clusters/<name>/apiserver/stop|start`, 200 once done, 404 for an unknown cluster).
 */
export const serveControl = async (clusters: readonly LocalCluster[]): Promise<ControlServer> => {
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const match = route.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return reply(404, { error: 'POST /clusters/<name>/apiserver/stop|start' });
    const [, name, action] = match as unknown as [string, string, 'stop' | 'start'];
    const cluster = byName.get(decodeURIComponent(name));
    if (!cluster) return reply(404, { error: `no cluster ${name}; known: ${[...byName.keys()].join(', ')}` });
    const done = action === 'stop' ? cluster.stopApiServer() : cluster.startApiServer();
    done.then(
      () => reply(200, { cluster: cluster.name, apiserver: action === 'stop' ? 'stopped' : 'started' }),
      (error: unknown) => reply(500, { error: error instanceof Error ? error.message : String(error) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
