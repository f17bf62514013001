import { readFile } from 'node:fs/promises';
import { parseEvent } from '../../../events/index.ts';
import { InvalidInputError } from '../../errors.ts';
import { type EndpointOptions, postEvent } from '../post-event.ts';

export interface SendOptions extends EndpointOptions {
  readonly validateOnly?: boolean;
}

/**
 * Validates an event file against the contract (refusing it with every bad field named, before anything
 * is sent), then POSTs it to capstan's HTTP edge, which authenticates and enqueues it.
 */
export const send = async (file: string, o: SendOptions, out: (line: string) => void) => {
  const text = await readFile(file, 'utf8').catch((e) => {
    throw new InvalidInputError(`cannot read ${file}: ${(e as Error).message}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InvalidInputError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = parseEvent(json);
  if (!parsed.ok) throw new InvalidInputError(`${file} is not a valid capstan event`, parsed.issues);
  if (o.validateOnly) {
    out(`${file}: valid ${parsed.event.type} event ${parsed.event.id}`);
    return;
  }
  const answer = await postEvent(text, o);
  out(`accepted ${parsed.event.type} ${answer.accepted} -> queue ${answer.queue}`);
};
