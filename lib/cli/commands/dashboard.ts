import { InvalidInputError } from '../../errors.ts';
import { rotateSessionKey } from '../../store/session-key.ts';
import { env } from '../../topology.ts';
import { openDb } from '../connect.ts';
import { signInLink } from '../sign-in-link.ts';

/** `capstan dashboard rotate-key`: a new session key, so every session ends (within a minute: functions re-read it). */
export const rotateKeyCommand = async (o: { json?: boolean }, out: (line: string) => void) => {
  const { db, close } = await openDb();
  try {
    await rotateSessionKey(db);
    out(
      o.json
        ? JSON.stringify({ rotated: true })
        : 'every dashboard session is signed out within a minute; sign in again with `capstan dashboard link`',
    );
  } finally {
    close();
  }
};

/** `capstan dashboard link [--url <api url>] [--json]`: a one-time sign-in link for the person at the terminal. */
export const dashboardLinkCommand = async (o: { url?: string; json?: boolean }, out: (line: string) => void) => {
  const { db, close, state } = await openDb();
  try {
    const base = o.url ?? state?.httpUrl;
    if (!base) {
      throw new InvalidInputError('cannot make a sign-in link', [
        `with ${env.table} set, give --url: the API base URL of the deployed stack`,
      ]);
    }
    const link = await signInLink(db, base);
    if (o.json) return out(JSON.stringify(link, null, 2));
    out(link.url);
    out(`signs in ${link.principal}, once, until ${link.expiresAt}`);
  } finally {
    close();
  }
};
