import { randomUUID } from 'node:crypto';
import type { CapstanEvent } from '../../events/index.ts';
import { InvalidInputError } from '../errors.ts';
import { buildRequestEvent } from '../requests/envelope.ts';
import { type EndpointOptions, postEvent } from './post-event.ts';

/**
 * Sends a capstan event on behalf of the person at the terminal: validated here first (a refusal names the
 * field and sends nothing), then posted to the HTTP edge like any producer's. `id` defaults to a fresh one;
 * pass a derived id when asking twice must make one release.
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
    data: { requestedBy: process.env.USER ?? 'cli', ...event.data },
  });
  if (!parsed.ok) throw new InvalidInputError(`cannot ${what}`, parsed.issues);
  return postEvent(JSON.stringify(parsed.event), o);
};
