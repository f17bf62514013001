import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { z } from 'zod';
import { ClusterCredentialsError, ClusterRejectedError, ClusterUnavailableError, messageOf } from '../errors.ts';
import type { Change } from '../kube/optimistic.ts';
import {
  blocklistAdd as blocklistAddBody,
  blocklistOf,
  blocklistRemove as blocklistRemoveBody,
  osdDump,
  readMonAnswer,
} from './mon-commands.ts';
import type { BlocklistEntry } from './ports.ts';

/**
 * The Ceph manager's `restful` module as capstan uses it (issue 11): mon commands through
 * `POST /request?wait=1` with HTTP basic auth. Its answers in capstan's words: no answer, a timeout or a 5xx
 * is retryable; 401/403 is a credentials error; any other refusal (another 4xx, a command that failed) is
 * terminal.
 */
export interface RestfulOptions {
  /** The capstan cluster (every error names it). */
  readonly cluster: string;
  /** e.g. https://127.0.0.1:8003 (no trailing slash) */
  readonly url: string;
  readonly user: string;
  readonly key: string;
  /** The module's certificate (PEM) when it is self-signed: trusted for this connection only. */
  readonly caCert?: string;
  /** Per request, the whole exchange; default 15 s. */
  readonly timeoutMs?: number;
}

export interface RestfulCeph {
  /** A mon command's output (`outb`); the body is one of mon-commands.ts. */
  monCommand(body: string): Promise<string>;
  blocklist(): Promise<readonly BlocklistEntry[]>;
  blocklistAdd(ip: string, expireSeconds: number): Promise<Change>;
  blocklistRemove(ip: string): Promise<Change>;
  daemonAddresses(): Promise<readonly string[]>;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * The module's self-signed certificate has CN ceph-restful and no subjectAltName, so no hostname can ever
 * match it. Instead of turning verification off, the chain is still verified against that one certificate
 * (`ca`), and the identity check accepts a peer whose hostname matches as usual OR that presents exactly
 * the pinned certificate (same SHA-256 fingerprint): nobody else can, without its private key.
 */
const pinnedIdentity = (pem: string) => {
  const pinned = new X509Certificate(pem).fingerprint256;
  return (host: string, peer: PeerCertificate): Error | undefined => {
    const usual = checkServerIdentity(host, peer);
    if (!usual || peer.fingerprint256 === pinned) return undefined;
    return usual;
  };
};

/** The entity a whole address is blocklisted under, as `osd dump` lists it. */
const entityOfIp = (ip: string): string => (ip.includes(':') ? `[${ip}]:0/0` : `${ip}:0/0`);

const AddrVecSchema = z.looseObject({
  addrvec: z.array(z.looseObject({ addr: z.string() })).default([]),
});
const MonDumpSchema = z.looseObject({ mons: z.array(z.looseObject({ public_addrs: AddrVecSchema.optional() })) });
const OsdAddrsSchema = z.looseObject({
  osds: z.array(
    z.looseObject({
      public_addrs: AddrVecSchema.optional(),
      cluster_addrs: AddrVecSchema.optional(),
      heartbeat_back_addrs: AddrVecSchema.optional(),
      heartbeat_front_addrs: AddrVecSchema.optional(),
    }),
  ),
});
const MgrDumpSchema = z.looseObject({
  active_addrs: AddrVecSchema.optional(),
  standbys: z.array(z.looseObject({ addrs: AddrVecSchema.optional() })).default([]),
});

const addrsOf = (vec: z.infer<typeof AddrVecSchema> | undefined): string[] => (vec?.addrvec ?? []).map((a) => a.addr);

export const restfulCeph = (o: RestfulOptions): RestfulCeph => {
  const timeoutMs = o.timeoutMs ?? 15_000;
  const tls = o.caCert ? { ca: [o.caCert], checkServerIdentity: pinnedIdentity(o.caCert) } : {};
  const where = `the Ceph manager's restful API at ${o.url}`;
  const unavailable = (why: string, cause?: unknown) =>
    new ClusterUnavailableError(o.cluster, `${where} did not answer (${why})`, cause ? { cause } : undefined);

  const post = (path: string, body: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(`${o.url}${path}`, {
        method: 'POST',
        auth: `${o.user}:${o.key}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
        ...tls,
      });
      // `timeout` is for an idle socket; this bounds the whole exchange.
      const deadline = setTimeout(() => req.destroy(unavailable(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('timeout', () => req.destroy(unavailable(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) => {
        clearTimeout(deadline);
        reject(error instanceof ClusterUnavailableError ? error : unavailable(messageOf(error), error));
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('error', (error) => {
          clearTimeout(deadline);
          reject(unavailable(messageOf(error), error));
        });
        res.on('end', () => {
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, text });
        });
      });
      req.end(body);
    });

  const monCommand = async (body: string): Promise<string> => {
    const { status, text } = await post('/request?wait=1', body);
    const what = `${where}: HTTP ${status}: ${text.slice(0, 200).trim()}`;
    if (status === 401 || status === 403)
      throw new ClusterCredentialsError(o.cluster, `${what} (check restfulUser and restfulKey)`);
    if (RETRYABLE_STATUS.has(status)) throw new ClusterUnavailableError(o.cluster, what);
    if (status < 200 || status >= 300) throw new ClusterRejectedError(o.cluster, what);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ClusterUnavailableError(o.cluster, `${where} answered something that is not JSON`);
    }
    const answer = readMonAnswer(json);
    if (!answer.ok) {
      const { prefix } = JSON.parse(body) as { prefix?: string };
      throw new ClusterRejectedError(o.cluster, `Ceph refused \`${prefix}\`: ${answer.reason}`);
    }
    return answer.outb;
  };

  const parsed = <T>(schema: z.ZodType<T>, what: string, outb: string): T => {
    try {
      return schema.parse(JSON.parse(outb));
    } catch (error) {
      throw new ClusterRejectedError(o.cluster, `${what} answered unexpected JSON (${messageOf(error)})`);
    }
  };

  const blocklist = async (): Promise<readonly BlocklistEntry[]> =>
    Object.entries(blocklistOf(await monCommand(osdDump()))).map(([entity, until]) => ({ entity, until }));

  const listed = async (ip: string) => (await blocklist()).some((e) => e.entity === entityOfIp(ip));

  return {
    monCommand,
    blocklist,
    // Read first: Ceph answers an add of an existing entry with success too (and moves its expiry).
    async blocklistAdd(ip, expireSeconds) {
      const body = blocklistAddBody(ip, expireSeconds); // validates ip and expiry before any request
      if (await listed(ip)) return 'unchanged';
      await monCommand(body);
      return 'changed';
    },
    async blocklistRemove(ip) {
      const body = blocklistRemoveBody(ip);
      if (!(await listed(ip))) return 'unchanged';
      await monCommand(body);
      return 'changed';
    },
    async daemonAddresses() {
      const json = (prefix: string) => monCommand(JSON.stringify({ prefix, format: 'json' }));
      const [mon, osd, mgr] = await Promise.all([json('mon dump'), json('osd dump'), json('mgr dump')]);
      const mons = parsed(MonDumpSchema, 'mon dump', mon).mons.flatMap((m) => addrsOf(m.public_addrs));
      const osds = parsed(OsdAddrsSchema, 'osd dump', osd).osds.flatMap((d) =>
        [d.public_addrs, d.cluster_addrs, d.heartbeat_back_addrs, d.heartbeat_front_addrs].flatMap(addrsOf),
      );
      const mgrDump = parsed(MgrDumpSchema, 'mgr dump', mgr);
      const mgrs = [...addrsOf(mgrDump.active_addrs), ...mgrDump.standbys.flatMap((s) => addrsOf(s.addrs))];
      return [...new Set([...mons, ...mgrs, ...osds])];
    },
  };
};
