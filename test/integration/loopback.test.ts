import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, inject, it } from 'vitest';
import { listenersOn } from '../support/listeners.ts';

// The local components are reachable from this machine only: DynamoDB Local and ElasticMQ accept any
// credentials, so listening on every interface would let anyone on the network read or change the table
// and the queues. Checked two ways: what the kernel says the sockets are bound to (meaningful even on a
// machine with no other interface), and a real connection attempt on another address of this machine.

/** 'connected' or the error code of a TCP connection attempt. */
const tryConnect = (host: string, port: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

const otherAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

const portOf = (url: string) => Number(new URL(url).port);

describe('local components listen on loopback only', () => {
  const infra = inject('infra');
  const components = [
    { name: 'DynamoDB Local', port: portOf(infra.dynamodbEndpoint) },
    { name: 'ElasticMQ', port: portOf(infra.sqsEndpoint) },
    ...infra.clusters.map((c) => ({ name: `${c.name} kube-apiserver`, port: portOf(c.server) })),
  ];

  it.each(components)('$name is bound to 127.0.0.1 and nothing else', ({ port }) => {
    expect(listenersOn(port)).toEqual(['127.0.0.1']);
  });

  it.each(components)('$name answers on 127.0.0.1 and refuses another address of this machine', async ({ port }) => {
    expect(await tryConnect('127.0.0.1', port)).toBe('connected');
    if (!otherAddress) return; // no other interface: the /proc check above is the whole proof
    expect(await tryConnect(otherAddress, port)).toBe('ECONNREFUSED');
  });
});
