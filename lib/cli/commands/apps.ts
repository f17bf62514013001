import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { parseAppSpec } from '../../apps/load.ts';
import type { AppSpec } from '../../apps/spec.ts';
import { describePolicy } from '../../deploy/decisions/push.ts';
import { InvalidInputError, messageOf } from '../../errors.ts';
import { getApp, listApps, putApp, removeApp } from '../../store/apps.ts';
import { openDb } from '../connect.ts';
import { renderTable, since } from '../format.ts';

/** `capstan apps add <file>`: registers an app, or updates it; says whether anything changed. */
export const addAppCommand = async (file: string, o: { dryRun?: boolean }, out: (line: string) => void) => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`cannot read ${file}`, [messageOf(error)]);
  }
  const spec = parseAppSpec(text, file);
  if (o.dryRun) return out(`${file}: app ${spec.name} is valid (${environmentsOf(spec)})`);
  const { db, close } = await openDb();
  try {
    const { record, change } = await putApp(db, spec, new Date());
    const what = { created: 'registered', configured: 'updated', unchanged: 'unchanged' }[change];
    out(`app ${spec.name} ${what} (generation ${record.generation}; ${environmentsOf(spec)})`);
  } finally {
    close();
  }
};

/** `capstan apps remove <name>`: capstan stops releasing the app; clusters, releases and history stay. */
export const removeAppCommand = async (name: string, out: (line: string) => void) => {
  const { db, close } = await openDb();
  try {
    const record = await removeApp(db, name);
    out(
      `app ${name} removed (was generation ${record.generation}): pushes no longer release it; what runs in the ` +
        'clusters, its releases and its history are left as they are',
    );
  } finally {
    close();
  }
};

const environmentsOf = (spec: AppSpec) =>
  Object.entries(spec.environments)
    .map(
      ([env, s]) =>
        `${env}: ${s.track ? `tracks ${describePolicy(s.track.tags)}, ${s.autoDeploy ? 'auto' : 'approval'}` : 'on request'}`,
    )
    .join('; ') || 'no environments';

/** `capstan apps list`. */
export const listAppsCommand = async (o: { json?: boolean }, out: (line: string) => void) => {
  const { db, close } = await openDb();
  try {
    const apps = await listApps(db);
    if (o.json) return out(JSON.stringify(apps, null, 2));
    if (apps.length === 0) return out('no apps registered: add one with `capstan apps add <file>`');
    out(
      renderTable(
        ['NAME', 'NAMESPACE', 'QOS', 'REPOSITORY', 'ENVIRONMENTS', 'UPDATED'],
        apps.map(({ spec, updatedAt }) => [
          spec.name,
          spec.namespace,
          spec.qos,
          spec.containers[0]?.repository ?? '',
          Object.keys(spec.environments).join(', '),
          since(updatedAt),
        ]),
      ),
    );
  } finally {
    close();
  }
};

/** `capstan apps show <name>`: the spec as registered, in the YAML `apps add` takes. */
export const showAppCommand = async (name: string, o: { json?: boolean }, out: (line: string) => void) => {
  const { db, close } = await openDb();
  try {
    const record = await getApp(db, name);
    if (o.json) return out(JSON.stringify(record, null, 2));
    out(`# generation ${record.generation}, registered ${record.registeredAt}, updated ${record.updatedAt}`);
    out(stringify(record.spec).trimEnd());
  } finally {
    close();
  }
};
