import { resolve } from 'node:path';
import { z } from 'zod';
import { isHttps } from '../ceph/access.ts';
import { DEFAULT_BLOCKLIST_EXPIRE_SECONDS, type Freeing, MIN_BLOCKLIST_EXPIRE_SECONDS } from '../store/freeing.ts';
import { clusterSecretPrefix } from '../topology.ts';

/** `clusters add`'s flags that say how the cluster frees an RBD image held by a lost node (issue 11). */
export interface FreeingFlags {
  readonly cephRestful?: string;
  readonly cephCredentials?: string;
  readonly cephSecret?: string;
  readonly blocklistExpire?: number;
  readonly networkFenceClass?: string;
  readonly networkFenceDriver?: string;
  readonly networkFenceSecret?: string;
}

/** A Secrets Manager ARN names the secret after `secret:`; a bare id is the name itself. */
export const secretName = (idOrArn: string) => idOrArn.replace(/^arn:[^:]+:secretsmanager:[^:]*:\d*:secret:/, '');

/** capstan's functions may read only secrets under this prefix (lib/topology.ts), so a reference elsewhere would fail later. */
export const isClusterSecret = (idOrArn: string) => secretName(idOrArn).startsWith(clusterSecretPrefix);

const DnsName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
const DnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);

const restfulUrl = (raw: string): string | undefined => {
  // https only: the restful module serves nothing else, and capstan asks it with node:https.
  const url = z.url({ protocol: /^https$/ }).safeParse(raw);
  // The gateway appends paths to it: one form, without the trailing slash.
  return url.success && isHttps(url.data) ? url.data.replace(/\/+$/, '') : undefined;
};

/**
 * The cluster's `freeing` from the flags, or what is wrong with them (usage errors: the command refuses
 * them all at once). None of the flags: undefined, the cluster frees no image. A credentials file is only
 * named here: the command reads it.
 */
export const freeingFromFlags = (f: FreeingFlags): { freeing?: Freeing; issues: string[] } => {
  const ceph = [f.cephRestful, f.cephCredentials, f.cephSecret, f.blocklistExpire].some((v) => v !== undefined);
  const fence = [f.networkFenceClass, f.networkFenceDriver, f.networkFenceSecret].some((v) => v !== undefined);
  if (ceph && fence) {
    return {
      issues: [
        'give either the Ceph flags (--ceph-restful, --ceph-credentials|--ceph-secret, --blocklist-expire) or the NetworkFence ones (--network-fence-class|--network-fence-driver, --network-fence-secret), not both',
      ],
    };
  }
  if (ceph) return cephFreeing(f);
  if (fence) return fenceFreeing(f);
  return { issues: [] };
};

const cephFreeing = (f: FreeingFlags): { freeing?: Freeing; issues: string[] } => {
  const url = f.cephRestful === undefined ? undefined : restfulUrl(f.cephRestful);
  const issues = [
    ...(f.cephRestful === undefined
      ? ["--ceph-restful <url> is required with the Ceph flags: the Ceph manager's restful module"]
      : url
        ? []
        : [`--ceph-restful "${f.cephRestful}" must be an https URL such as https://ceph-mgr.example:8003`]),
    ...(f.blocklistExpire !== undefined && f.blocklistExpire < MIN_BLOCKLIST_EXPIRE_SECONDS
      ? [
          `--blocklist-expire ${f.blocklistExpire} is too short: at least ${MIN_BLOCKLIST_EXPIRE_SECONDS} s, since when the entry expires the lost node's clients may write again while it may still be lost (capstan lifts the entry itself when the node is back)`,
        ]
      : []),
    ...((f.cephCredentials === undefined) === (f.cephSecret === undefined)
      ? ['give exactly one of --ceph-credentials <path> (a local file) or --ceph-secret <id-or-arn> (Secrets Manager)']
      : []),
    ...(f.cephSecret !== undefined && !isClusterSecret(f.cephSecret)
      ? [`--ceph-secret must be named ${clusterSecretPrefix}<name>: capstan's functions may read only that prefix`]
      : []),
  ];
  if (issues.length || !url) return { issues };
  return {
    issues,
    freeing: {
      via: 'ceph',
      ceph: {
        restfulUrl: url,
        credentials:
          f.cephSecret !== undefined
            ? { kind: 'secret', secretId: f.cephSecret }
            : // The heal function may run from another directory than this shell.
              { kind: 'file', path: resolve(f.cephCredentials as string) },
      },
      blocklistExpireSeconds: f.blocklistExpire ?? DEFAULT_BLOCKLIST_EXPIRE_SECONDS,
    },
  };
};

const fenceFreeing = (f: FreeingFlags): { freeing?: Freeing; issues: string[] } => {
  const secret = f.networkFenceSecret?.split('/');
  const issues = [
    ...((f.networkFenceClass === undefined) === (f.networkFenceDriver === undefined)
      ? [
          'give exactly one of --network-fence-class <name> (a NetworkFenceClass) or --network-fence-driver <driver> (e.g. rbd.csi.ceph.com)',
        ]
      : []),
    ...(f.networkFenceClass !== undefined && !DnsName.safeParse(f.networkFenceClass).success
      ? [`--network-fence-class "${f.networkFenceClass}" must be a DNS-1123 subdomain`]
      : []),
    ...(f.networkFenceDriver !== undefined && !DnsName.safeParse(f.networkFenceDriver).success
      ? [`--network-fence-driver "${f.networkFenceDriver}" must be a CSI driver name such as rbd.csi.ceph.com`]
      : []),
    ...(f.networkFenceSecret !== undefined && f.networkFenceDriver === undefined
      ? ['--network-fence-secret goes with --network-fence-driver (a NetworkFenceClass names its own secret)']
      : []),
    // csi-addons' CRD refuses a driver without a secret ("secret must be present when networkFenceClassName
    // is not specified"): said here, at registration, rather than at the first lost node.
    ...(f.networkFenceDriver !== undefined && f.networkFenceSecret === undefined
      ? ["--network-fence-driver needs --network-fence-secret <namespace>/<name> (the CSI driver's Secret)"]
      : []),
    ...(f.networkFenceSecret !== undefined &&
    !(secret?.length === 2 && DnsLabel.safeParse(secret[0]).success && DnsName.safeParse(secret[1]).success)
      ? [`--network-fence-secret "${f.networkFenceSecret}" must be <namespace>/<name> of a Kubernetes Secret`]
      : []),
  ];
  if (issues.length) return { issues };
  if (f.networkFenceClass !== undefined) {
    return { issues, freeing: { via: 'network-fence', networkFence: { networkFenceClassName: f.networkFenceClass } } };
  }
  const [namespace, name] = secret ?? [];
  return {
    issues,
    freeing: {
      via: 'network-fence',
      networkFence: {
        driver: f.networkFenceDriver as string,
        secret: { namespace: namespace ?? '', name: name ?? '' },
      },
    },
  };
};
