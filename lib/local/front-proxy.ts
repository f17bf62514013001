import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The aggregation layer's client certificate: kube-apiserver presents it to metrics-server. */
export interface FrontProxyPki {
  /** --requestheader-client-ca-file: extension apiservers trust proxied requests signed by it. */
  readonly caCert: string;
  /** --proxy-client-cert-file / --proxy-client-key-file. */
  readonly clientCert: string;
  readonly clientKey: string;
}

/** The CN extension apiservers accept (--requestheader-allowed-names), as kubeadm names it. */
export const FRONT_PROXY_CLIENT = 'front-proxy-client';

/**
 * Writes a front-proxy CA and its client certificate into `dir` (kept if already there, so a restarted
 * cluster presents the same one). Node's crypto cannot sign X.509 certificates, so openssl does, as
 * kubeadm's would: RSA 2048, clientAuth only. Without these, kube-apiserver proxies to an APIService
 * anonymously and metrics-server answers discovery with 403.
 */
export const frontProxyPki = async (dir: string): Promise<FrontProxyPki> => {
  const p = {
    caCert: join(dir, 'front-proxy-ca.crt'),
    caKey: join(dir, 'front-proxy-ca.key'),
    clientCert: join(dir, 'front-proxy-client.crt'),
    clientKey: join(dir, 'front-proxy-client.key'),
    csr: join(dir, 'front-proxy-client.csr'),
    ext: join(dir, 'front-proxy-client.ext'),
  };
  if (![p.caCert, p.clientCert, p.clientKey].every((f) => existsSync(f))) {
    await mkdir(dir, { recursive: true });
    const days = '3650';
    await run(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.caKey, '-out', p.caCert].concat([
        '-days',
        days,
        '-subj',
        '/CN=front-proxy-ca',
      ]),
    );
    await run(
      'openssl',
      ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.clientKey, '-out', p.csr].concat([
        '-subj',
        `/CN=${FRONT_PROXY_CLIENT}`,
      ]),
    );
    await writeFile(p.ext, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
    await run(
      'openssl',
      ['x509', '-req', '-in', p.csr, '-CA', p.caCert, '-CAkey', p.caKey, '-CAcreateserial'].concat([
        '-out',
        p.clientCert,
        '-days',
        days,
        '-extfile',
        p.ext,
      ]),
    );
  }
  return { caCert: p.caCert, clientCert: p.clientCert, clientKey: p.clientKey };
};
