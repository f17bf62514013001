import { z } from 'zod';

/**
 * How capstan reaches a cluster's Ceph for the direct path of issue 11 (blocklist a lost node's address,
 * read an image's watchers and locks, break a stale lock). Like a cluster's Kubernetes credentials, the
 * secret material is never in the table: only a reference to it, a file locally and a Secrets Manager
 * secret on AWS (under `capstan/clusters/`, which the functions may already read).
 */
export const CephCredentialsRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: z.string().min(1) }),
  z.object({ kind: z.literal('secret'), secretId: z.string().min(1) }),
]);
export type CephCredentialsRef = z.infer<typeof CephCredentialsRefSchema>;

/** What the reference points at: one JSON document, so one secret serves the REST API and the `rbd` CLI. */
export const CephCredentialsSchema = z.strictObject({
  /** The restful module's user and key (`ceph restful create-key <user>`): HTTP basic auth. */
  restfulUser: z.string().min(1),
  restfulKey: z.string().min(1),
  /** The module's certificate (PEM), when it is self-signed; trusted for that one connection only. */
  restfulCaCert: z.string().min(1).optional(),
  /** For the `rbd` CLI: the mon addresses (`mon_host`), the cephx entity and its key. */
  monHost: z.string().min(1),
  clientName: z.string().regex(/^client\.[A-Za-z0-9._-]+$/, 'must be a cephx client name such as client.capstan'),
  clientKey: z.string().min(1),
});
export type CephCredentials = z.infer<typeof CephCredentialsSchema>;

/** The restful module serves only https (and lib/ceph/restful.ts asks with node:https, which refuses http). */
export const isHttps = (raw: string): boolean => {
  try {
    return new URL(raw).protocol === 'https:';
  } catch {
    return false;
  }
};

export const CephAccessSchema = z.object({
  /** The restful module's base URL, e.g. https://ceph-mgr.example:8003 (no trailing slash). */
  restfulUrl: z.url().refine(isHttps, 'must be an https URL: the restful module serves only https'),
  credentials: CephCredentialsRefSchema,
});
export type CephAccess = z.infer<typeof CephAccessSchema>;
