import { X509Certificate } from 'node:crypto';
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { ClusterCredentialsError, ClusterRejectedError, ClusterUnavailableError, messageOf } from '../errors.ts';
import type { Change } from '../kube/optimistic.ts';
import { isHttps } from './access.ts';
import { daemonAddressesOf } from './daemon-addresses.ts';
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
  /** e.g. https://127.0.0.1:8003 (no trailing slash); https only (the module serves nothing else). */
  readonly url: string;
  readonly user: string;
  readonly key: string;
  /** The module's certificate (PEM) when it is self-signed: trusted for this connection only. */
  readonly caCert?: string;
  /**
   * Per request, the whole exchange; default and at most 10 s: the heal function has 30 s in all
   * (lib/topology.ts), and a blocklist change is a read then a write.
   */
  readonly timeoutMs?: number;
}

export interface RestfulCeph {
  /** A mon command's output (`outb`); the body is one of mon-commands.ts. */
  monCommand(body: string): Promise<string>;
  blocklist(): Promise<readonly BlocklistEntry[]>;
  blocklistAdd(ip: string, expireSeconds: number): Promise<Change>;
  blocklistRemove(ip: string): Promise<Change>;
  /** As CephGateway.daemonAddresses says (lib/ceph/ports.ts): `ip:port`, `[ip6]:port`. */
  daemonAddresses(): Promise<readonly string[]>;
}

export const MAX_REQUEST_MS = 10_000;

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * TLS answers that say the certificate is not the one capstan trusts: a retry meets the same certificate,
 * and the fix is restfulCaCert (or the module's certificate), so they are terminal.
 */
const UNTRUSTED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

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

export const restfulCeph = (o: RestfulOptions): RestfulCeph => {
  const timeoutMs = Math.min(o.timeoutMs ?? MAX_REQUEST_MS, MAX_REQUEST_MS);
  const tls = o.caCert ? { ca: [o.caCert], checkServerIdentity: pinnedIdentity(o.caCert) } : {};
  const where = `the Ceph manager's restful API at ${o.url}`;
  const unavailable = (why: string, cause?: unknown) =>
    new ClusterUnavailableError(o.cluster, `${where} did not answer (${why})`, cause ? { cause } : undefined);

  const post = (path: string, body: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      // node:https throws (ERR_INVALID_PROTOCOL, ERR_INVALID_URL, ERR_INVALID_CHAR in the auth header) before
      // any request: a setting that can never work, so terminal, and in capstan's words.
      if (!isHttps(o.url)) {
        return reject(new ClusterRejectedError(o.cluster, `${where}: the restful URL must be https://`));
      }
      let req: ClientRequest;
      try {
        req = request(`${o.url}${path}`, {
          method: 'POST',
          auth: `${o.user}:${o.key}`,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: timeoutMs,
          ...tls,
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return reject(
          new ClusterRejectedError(o.cluster, `${where} cannot be asked (${code ?? 'error'}: ${messageOf(error)})`, {
            cause: error,
          }),
        );
      }
      // `timeout` is for an idle socket; this bounds the whole exchange.
      const deadline = setTimeout(() => req.destroy(unavailable(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('timeout', () => req.destroy(unavailable(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(deadline);
        if (error instanceof ClusterUnavailableError) return reject(error);
        if (error.code && UNTRUSTED_CERTIFICATE.has(error.code)) {
          const why = `${where} presented a certificate capstan does not trust (${error.code}: ${error.message})`;
          return reject(
            new ClusterCredentialsError(o.cluster, `${why}: set restfulCaCert to its certificate`, { cause: error }),
          );
        }
        reject(unavailable(messageOf(error), error));
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
      // `status` carries the service map (RGW, rbd-mirror, iSCSI...). The mgr's own `service dump` is
      // refused to the restful module, which sends every command to the mons (on Pacific, with the usual
      // `mon 'allow profile mgr'` caps of the mgr: "access denied"; test/integration/ceph-gateway.test.ts).
      const [mons, osds, mgrs, fs, status] = await Promise.all(
        ['mon dump', 'osd dump', 'mgr dump', 'fs dump', 'status'].map(json),
      );
      try {
        return daemonAddressesOf({
          monDump: mons ?? '',
          osdDump: osds ?? '',
          mgrDump: mgrs ?? '',
          fsDump: fs ?? '',
          status: status ?? '',
        });
      } catch (error) {
        throw new ClusterRejectedError(o.cluster, `${where} answered unexpected JSON (${messageOf(error)})`);
      }
    },
  };
};
