import { randomUUID } from 'node:crypto';
import type { CapstanEvent } from '../../events/index.ts';
import { InvalidInputError } from '../errors.ts';
import { buildRequestEvent } from '../requests/envelope.ts';
import { cliRequester } from './actor.ts';
import { type EndpointOptions, postEvent } from './post-event.ts';

/** The requests whose schema names who asked (events/requester.ts); the others have no such field. */
const WITH_REQUESTER: readonly CapstanEvent['type'][] = ['deploy.requested', 'rollback.requested', 'scale.requested'];

/**
 * Sends a capstan event on behalf of the person at the terminal: validated here first (a refusal names the
 * field and sends nothing), then posted to the HTTP edge like any producer's. `id` defaults to a fresh one;
 * pass a derived id when asking twice must make one release. The requester is the person at the terminal
 * (`cli`, $CAPSTAN_ACTOR else the OS user): the ingest token lets that kind through, and it is what
 * `capstan releases` and `capstan history` show as BY.
 */
export const requestEvent = async (
  what: string,
  event: { type: CapstanEvent['type']; subject: string; data: Record<string, unknown>; id?: string },
  o: EndpointOptions,
) => {
  const parsed = buildRequestEvent({
    id: event.id ?? randomUUID(),
    type: event.type,
    source: 'capstan/cli',
    time: new Date(),
    subject: event.subject,
    data: {
      requestedBy: process.env.USER ?? 'cli',
      ...(WITH_REQUESTER.includes(event.type) ? { requester: cliRequester() } : {}),
      ...event.data,
    },
  });
  if (!parsed.ok) throw new InvalidInputError(`cannot ${what}`, parsed.issues);
  return postEvent(JSON.stringify(parsed.event), o);
};
