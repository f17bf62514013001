import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, inject, it } from 'vitest';

// The local components are reachable from this machine only: DynamoDB Local and ElasticMQ accept any
// credentials, so listening on every interface would let anyone on the network read or change the table
// and the queues. Checked two ways: what the kernel says the sockets are bound to (meaningful even on a
// machine with no other interface), and a real connection attempt on another address of this machine.

/** Local addresses with a socket listening on `port`, from /proc/net/tcp and tcp6 (Linux). */
const listenersOn = (port: number): string[] => {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const addresses: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [address, p] = (local ?? '').split(':');
      // 0A is TCP_LISTEN.
      if (state === '0A' && p === hexPort && address) addresses.push(decode(address));
    }
  }
  return addresses;
};

// /proc writes each 32-bit word of the address in host byte order (little-endian here).
const decode = (hex: string): string => {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (isMapped) return `::ffff:${bytes.slice(12).join('.')}`;
  return Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) * 256 + (bytes[2 * i + 1] ?? 0)).toString(16)).join(
    ':',
  );
};

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
