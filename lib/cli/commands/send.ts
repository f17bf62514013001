import { readFile } from 'node:fs/promises';
import { parseEvent } from '../../../events/index.ts';
import { InvalidInputError } from '../../errors.ts';
import { readState } from '../../runtime/state.ts';
import { env } from '../../topology.ts';

export interface SendOptions {
  readonly url?: string;
  readonly token?: string;
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

/** POSTs an event to capstan's HTTP edge (the local runtime's unless --url), authenticated by bearer token. */
export const postEvent = async (body: string, o: Pick<SendOptions, 'url' | 'token'>) => {
  const state = o.url ? undefined : await readState();
  const url = o.url ?? state?.httpUrl;
  const token = o.token ?? process.env[env.ingestToken] ?? state?.ingestToken;
  if (!url) throw new Error('capstan is not running here: start it with `capstan up`, or pass --url');
  if (!token) throw new Error(`no ingest token: pass --token or set ${env.ingestToken}`);
  const response = await fetch(new URL('/events', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  const answer = await response.text();
  if (!response.ok) throw new Error(`capstan refused the event (HTTP ${response.status}): ${answer}`);
  return JSON.parse(answer) as { accepted: string; queue: string };
};
