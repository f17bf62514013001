import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// What the kernel says sockets are bound to (Linux /proc), for the loopback-only checks: meaningful even
// on a machine with no other interface.

interface Listener {
  readonly address: string;
  readonly port: number;
  readonly inode: string;
}

/** Every TCP socket in LISTEN state, from /proc/net/tcp and tcp6. */
const listeners = (): Listener[] => {
  const found: Listener[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [address, port] = (fields[1] ?? '').split(':');
      // 0A is TCP_LISTEN; field 9 is the socket's inode.
      if (fields[3] === '0A' && address && port) {
        found.push({ address: decode(address), port: Number.parseInt(port, 16), inode: fields[9] ?? '' });
      }
    }
  }
  return found;
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

/** Local addresses with a socket listening on `port`. */
export const listenersOn = (port: number): string[] =>
  listeners()
    .filter((l) => l.port === port)
    .map((l) => l.address);

/** `address:port` of every socket process `pid` listens on (through its open descriptors). */
export const listenersOf = (pid: number): string[] => {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // Closed meanwhile.
    }
  }
  return listeners()
    .filter((l) => inodes.has(l.inode))
    .map((l) => `${l.address}:${l.port}`);
};
