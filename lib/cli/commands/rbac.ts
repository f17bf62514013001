import { stringify } from 'yaml';
import { rbacManifests } from '../../kube/rbac.ts';

/** `capstan rbac`: prints the least-privilege RBAC objects for capstan's service account as YAML. */
export const rbacCommand = (o: { namespace: string }, out: (text: string) => void) =>
  out(
    rbacManifests(o.namespace)
      .map((m) => stringify(m))
      .join('---\n'),
  );
