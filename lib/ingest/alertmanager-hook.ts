import { InvalidInputError, messageOf } from '../errors.ts';
import type { Enqueue } from '../queue/send.ts';
import { ALERTMANAGER, type HpaCandidates, normalizeAlertmanager } from '../sources/alertmanager.ts';
import { verifyBearer } from '../sources/auth.ts';
import type { Headers } from '../sources/index.ts';
import { readJson } from '../sources/payload.ts';
import { header } from '../sources/types.ts';
import { type HttpAnswer, tooLarge } from './answer.ts';
import { MAX_HOOK_BODY_BYTES } from './body.ts';
import { alertmanagerHookToken } from './hook-secret.ts';

/** Alertmanager's webhook receiver (lib/topology.ts lists the route). */
export const ALERTMANAGER_HOOK_ROUTE = '/hooks/alertmanager';

export interface AlertmanagerHookRequest {
  readonly rawBody: string;
  readonly headers: Headers;
}

const refused = (status: number, error: string, reason: string): HttpAnswer => ({ status, body: { error, reason } });

/**
 * POST /hooks/alertmanager: one notification (webhook version "4", a whole alert group), authenticated by the
 * route's own bearer token (hook-secret.ts; `http_config.authorization` in alertmanager.yml). Each alert capstan
 * scales on becomes its own hpa.threshold.hit on the scale queue, its id from fingerprint + startsAt + status so a
 * repeat notification is the same event; every other alert (another alertname, no cluster, namespace or workload
 * label) is answered as ignored with why, and the notification still gets a 200. Alertmanager never retries a 4xx
 * and retries every 5xx, so a 4xx is only for what its operator must fix (the token, the body) and a 5xx only for
 * capstan itself failing (the enqueue throws; the function answers 503).
 */
export const acceptAlertmanagerHook = async (
  req: AlertmanagerHookRequest,
  ingestToken: string,
  enqueue: Enqueue,
): Promise<HttpAnswer> => {
  // Size first: it needs no work, and an oversized body is never read.
  if (Buffer.byteLength(req.rawBody) > MAX_HOOK_BODY_BYTES) return tooLarge(MAX_HOOK_BODY_BYTES);
  const auth = verifyBearer(header(req.headers, 'authorization'), alertmanagerHookToken(ingestToken));
  if (!auth.ok) return refused(401, 'unauthorized', auth.reason);
  let candidates: HpaCandidates;
  try {
    // The route serves every cluster: an alert must say which one it is about.
    candidates = normalizeAlertmanager(readJson(ALERTMANAGER, req.rawBody), { requireCluster: true });
  } catch (error) {
    // Whatever fails while reading Alertmanager's bytes is about those bytes: a 4xx, never a 5xx.
    const reason = error instanceof InvalidInputError ? messageOf(error) : 'alertmanager payload could not be read';
    return refused(400, 'invalid-payload', reason);
  }
  // One alert listed twice in a notification is still one event: sent once.
  const events = [...new Map(candidates.events.map((e) => [e.id, e])).values()];
  for (const event of events) await enqueue(event);
  return {
    status: 200,
    body: {
      accepted: events.map((e) => e.id),
      ignored: candidates.ignored.map((i) => ({ alert: i.alert, why: i.reason })),
    },
  };
};
