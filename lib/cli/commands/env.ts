import { NameSchema } from '../../../events/envelope.ts';
import { InvalidInputError } from '../../errors.ts';
import { listEnvironments, protectedByDefault, setEnvironment } from '../../store/environments.ts';
import { openDb } from '../connect.ts';
import { renderTable, since } from '../format.ts';

/** `capstan env set <name> --protected | --unprotected`. */
export const setEnvCommand = async (
  name: string,
  o: { protected?: boolean; unprotected?: boolean },
  out: (line: string) => void,
) => {
  const issues = [
    ...(NameSchema.safeParse(name).success ? [] : [`name "${name}" must be a DNS-1123 label`]),
    ...(Boolean(o.protected) === Boolean(o.unprotected) ? ['give exactly one of --protected or --unprotected'] : []),
  ];
  if (issues.length) throw new InvalidInputError('cannot set environment', issues);
  const { db, close } = await openDb();
  try {
    await setEnvironment(db, { name, protected: Boolean(o.protected), updatedAt: new Date().toISOString() });
    out(
      `environment ${name} is ${o.protected ? 'protected: production rules apply (pinned digest, 3+ replicas, probes, limits, QoS, quota)' : 'not protected'}`,
    );
  } finally {
    close();
  }
};

/** `capstan env list`: environments set explicitly; others follow their name (prod* is protected). */
export const listEnvCommand = async (o: { json?: boolean }, out: (line: string) => void) => {
  const { db, close } = await openDb();
  try {
    const envs = await listEnvironments(db);
    if (o.json) return out(JSON.stringify(envs, null, 2));
    if (envs.length > 0) {
      out(
        renderTable(
          ['NAME', 'PROTECTED', 'UPDATED'],
          envs.map((e) => [e.name, e.protected ? 'yes' : 'no', since(e.updatedAt)]),
        ),
      );
    }
    out(
      `${envs.length === 0 ? 'no environment set explicitly; ' : ''}an environment not set is protected when named like production (${['production', 'prod', 'prod-eu'].filter(protectedByDefault).join(', ')})`,
    );
  } finally {
    close();
  }
};
