import { request } from 'node:https';

/** How the harness itself talks to a local apiserver: a bearer token, and the serving cert as the CA. */
export interface ApiAccess {
  readonly server: string;
  readonly token: string;
  /** PEM bundle to trust; read from the apiserver's --cert-dir once it has written it. */
  readonly ca: () => string | undefined;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: string;
}

// A few plain HTTPS calls (readiness, creating the fake Nodes) do not warrant a Kubernetes client here,
// and keep lib/local free of the client library's startup cost and API churn.
export const apiRequest = (
  access: ApiAccess,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  timeoutMs = 5_000,
): Promise<ApiResponse> =>
  new Promise((resolve, reject) => {
    const ca = access.ca();
    if (ca === undefined) return reject(new Error('the apiserver has not written its serving certificate yet'));
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      new URL(path, access.server),
      {
        method,
        ca,
        timeout: timeoutMs,
        headers: {
          authorization: `Bearer ${access.token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });

/** GET that expects 200 and JSON. */
export const apiGet = async <T>(access: ApiAccess, path: string): Promise<T> => {
  const res = await apiRequest(access, 'GET', path);
  if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body) as T;
};

/** True when an HTTPS endpoint answers 200, whatever its certificate (for components' own /healthz). */
export const httpsHealthy = (url: string, timeoutMs = 3_000): Promise<boolean> =>
  new Promise((resolve) => {
    // The controller-manager and scheduler serve /healthz with a throwaway self-signed certificate that
    // nobody else ever trusts; only "is it up" matters here, so the certificate is not checked.
    const req = request(url, { rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });

/** True when a plain-HTTP endpoint answers 200 (etcd's /health). */
export const httpHealthy = async (url: string, timeoutMs = 3_000): Promise<boolean> => {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
};
