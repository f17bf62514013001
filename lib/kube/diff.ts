import type { KubernetesObject } from '@kubernetes/client-node';
import { project } from './change.ts';

/**
 * What applying `applied` would change, as `path: old -> new` lines, read from the live object before and
 * the server's dry-run result after, both projected onto the applied fields (server defaults and status
 * are not the release's business). A missing live object is one `created` line.
 */
export const diffApplied = (
  applied: KubernetesObject,
  before: KubernetesObject | undefined,
  after: KubernetesObject,
): string[] => {
  const id = `${applied.kind}/${applied.metadata?.name}`;
  if (!before) return [`${id}: created`];
  const lines: string[] = [];
  walk(project(applied, before), project(applied, after), '', (path, from, to) =>
    lines.push(`${id} ${path}: ${show(from)} -> ${show(to)}`),
  );
  return lines;
};

const walk = (a: unknown, b: unknown, path: string, emit: (path: string, from: unknown, to: unknown) => void) => {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const bothArrays = Array.isArray(a) && Array.isArray(b) && a.length === b.length;
  const bothObjects = isObject(a) && isObject(b);
  if (bothArrays) {
    for (const [i, item] of a.entries()) walk(item, (b as unknown[])[i], `${path}[${i}]`, emit);
  } else if (bothObjects) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      walk(a[key], b[key], path ? `${path}.${key}` : key, emit);
    }
  } else {
    emit(path || '(object)', a, b);
  }
};

const isObject = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v));
