import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClusterUnavailableError } from '../../lib/errors.ts';
import { connector } from '../../lib/kube/connect.ts';
import type { Cluster } from '../../lib/store/clusters.ts';
import { readClusterAccess, writeFleetKubeconfig } from '../harness/fleet-kubeconfig.ts';
import { KubeFaultProxy } from '../harness/kube-fault-proxy.ts';
import { uniqueName } from '../support/aws.ts';

// The fault proxy itself, against a real kube-apiserver: what passes through is the real answer, and
// each injected fault reaches capstan's kube clients as the matching real failure would.
let proxy: KubeFaultProxy;
let dir: string;
let cluster: Cluster;
const [real] = inject('infra').clusters;

beforeAll(async () => {
  if (!real) throw new Error('the harness started no cluster');
  const access = await readClusterAccess(real.name, real.kubeconfigPath);
  proxy = await KubeFaultProxy.start({ upstream: access.server, upstreamCaPem: access.caPem });
  dir = await mkdtemp(join(tmpdir(), 'capstan-proxy-test-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFleetKubeconfig(kubeconfig, [{ ...access, server: proxy.url, caPem: proxy.certificatePem }]);
  cluster = {
    name: real.name,
    environment: 'staging',
    wave: 0,
    credentials: { kind: 'kubeconfig', path: kubeconfig, context: real.name },
    registeredAt: new Date().toISOString(),
  };
});
afterAll(async () => {
  await proxy?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// A fresh client each time: a pooled connection cut by the previous case must not blur the next.
const kube = () => connector()(cluster);
const codeOf = (p: Promise<unknown>) => p.then(() => 'ok').catch((e: { code?: number | string }) => e.code);

describe('kube fault proxy', () => {
  it('passes requests through unchanged, the bearer token and TLS included', async () => {
    const namespaces = await (await kube()).core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain('kube-system');
    expect(proxy.counts.forwarded).toBeGreaterThan(0);
  });

  it('answers 429 with Retry-After, 409 and 500 for the next N matching requests only', async () => {
    const clients = await kube();
    proxy.inject(
      { method: 'GET', path: /^\/api\/v1\/namespaces\/kube-system$/ },
      { kind: 'status', status: 429, retryAfterSeconds: 1 },
      1,
    );
    proxy.inject({ method: 'GET', path: /^\/api\/v1\/namespaces\/kube-system$/ }, { kind: 'status', status: 409 }, 1);
    proxy.inject({ method: 'GET', path: /^\/api\/v1\/namespaces\/kube-system$/ }, { kind: 'status', status: 500 }, 1);
    const read = () => codeOf(clients.core.readNamespace({ name: 'kube-system' }));
    // A request that matches no rule is untouched while rules are armed.
    expect(await codeOf(clients.core.readNamespace({ name: 'default' }))).toBe('ok');
    expect([await read(), await read(), await read(), await read()]).toEqual([429, 409, 500, 'ok']);
    expect(proxy.counts.injected).toMatchObject({ '429': 1, '409': 1, '500': 1 });
    expect(proxy.pendingInjections()).toBe(0);
  });

  it('drops connections: the client sees a reset, not an answer', async () => {
    proxy.inject({ path: /\/namespaces\/default$/ }, { kind: 'reset' }, 1);
    const error = await (await kube()).core.readNamespace({ name: 'default' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message) + String((error as { cause?: unknown }).cause)).toMatch(
      /ECONNRESET|socket hang up|other side closed|terminated/i,
    );
    expect(await codeOf((await kube()).core.readNamespace({ name: 'default' }))).toBe('ok');
  });

  it('refuses connections while down, then answers again on the same address', async () => {
    const { back } = await proxy.down(1500);
    const error = await (await kube()).core.readNamespace({ name: 'default' }).catch((e: unknown) => e);
    expect(String((error as Error).message) + String((error as { cause?: { code?: string } }).cause?.code)).toMatch(
      /ECONNREFUSED/,
    );
    await back;
    expect(await codeOf((await kube()).core.readNamespace({ name: 'default' }))).toBe('ok');
  });

  it('runs a hook after the apiserver answered and before the client hears it', async () => {
    const name = uniqueName('proxied');
    const order: string[] = [];
    proxy.onUpstreamResponse(
      { method: 'POST', path: /^\/api\/v1\/namespaces$/, status: (s) => s === 201 },
      async (x) => {
        order.push(`hook ${x.status}`);
        // The effect is already there upstream while the caller still waits.
        const direct = await connector()({
          ...cluster,
          credentials: { kind: 'kubeconfig', path: real?.kubeconfigPath ?? '', context: real?.name ?? '' },
        });
        order.push(`upstream has ${(await direct.core.readNamespace({ name })).metadata?.name}`);
      },
    );
    const clients = await kube();
    await clients.core.createNamespace({ body: { metadata: { name } } });
    order.push('client answered');
    expect(order).toEqual(['hook 201', `upstream has ${name}`, 'client answered']);
    await clients.core.deleteNamespace({ name });
  });

  it('an unreachable proxied cluster is a retryable cluster error in capstan', async () => {
    const { back } = await proxy.down(500);
    const { translateKubeError } = await import('../../lib/kube/errors.ts');
    const error = await (await kube()).core.readNamespace({ name: 'default' }).catch((e: unknown) => {
      try {
        translateKubeError(cluster.name, e);
      } catch (translated) {
        return translated;
      }
    });
    expect(error).toBeInstanceOf(ClusterUnavailableError);
    await back;
  });
});
