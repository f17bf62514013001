import { principalOf } from '../../events/requester.ts';
import type { Db } from '../store/db.ts';
import { issueTicket, TICKET_SECONDS } from '../store/sign-in-tickets.ts';
import { actor, cliRequester } from './actor.ts';

export interface SignInLink {
  readonly url: string;
  readonly principal: string;
  readonly expiresAt: string;
}

/**
 * A one-time link into the dashboard for the person at the terminal (`cli:<user>`): whoever can run the
 * CLI against the table can sign in. It works once, for TICKET_SECONDS; the table keeps only its digest.
 */
export const signInLink = async (db: Db, base: string, now = new Date()): Promise<SignInLink> => {
  const principal = principalOf(cliRequester());
  const ticket = await issueTicket(db, { principal, name: actor() }, now);
  return {
    url: `${base.replace(/\/+$/, '')}/signin?ticket=${ticket}`,
    principal,
    expiresAt: new Date(now.getTime() + TICKET_SECONDS * 1000).toISOString(),
  };
};
