import { readState } from '../runtime/state.ts';
import { env } from '../topology.ts';

/** Where an event goes: capstan's HTTP edge and its ingest token (the local runtime's unless given). */
export interface EndpointOptions {
  readonly url?: string;
  readonly token?: string;
}

/** POSTs an event to capstan's HTTP edge (the local runtime's unless --url), authenticated by bearer token. */
export const postEvent = async (body: string, o: EndpointOptions) => {
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
