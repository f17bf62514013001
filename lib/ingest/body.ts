import { type HttpAnswer, tooLarge } from './answer.ts';

/**
 * capstan's own body limits, checked by the ingest function before it authenticates, decodes or parses
 * anything. API Gateway takes up to 10 MB and Lambda 6 MB per invocation, far more than any producer
 * sends, so the function sets its own: 1 MiB for a registry webhook (a Distribution batch or a Harbor
 * artifact list stays well under it), 200 KiB for `/events`, whose event is queued whole (SQS takes 256 KiB).
 */
export const MAX_HOOK_BODY_BYTES = 1024 * 1024;
export const MAX_EVENT_BODY_BYTES = 200 * 1024;

const invalidBody = (reason: string): HttpAnswer => ({ status: 400, body: { error: 'invalid-body', reason } });

export type BodyResult =
  | { readonly ok: true; readonly rawBody: string }
  | { readonly ok: false; readonly answer: HttpAnswer };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The request body as the producer's exact text (signatures are over it), or the 4xx that refuses it:
 * 413 above `limit` (a base64 body is measured from its encoded length, before it is decoded), 400 for a
 * body flagged base64 that is not, or bytes that are not UTF-8 (replacing them would change what was signed).
 */
export const requestBody = (body: string | undefined, base64: boolean | undefined, limit: number): BodyResult => {
  const text = body ?? '';
  if (!base64) {
    // A character is at least one UTF-8 byte: the length alone settles most oversized bodies cheaply.
    if (text.length > limit || Buffer.byteLength(text) > limit) return { ok: false, answer: tooLarge(limit) };
    return { ok: true, rawBody: text };
  }
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (Math.floor((text.length * 3) / 4) - padding > limit) return { ok: false, answer: tooLarge(limit) };
  if (text.length % 4 !== 0 || !BASE64.test(text))
    return { ok: false, answer: invalidBody('body is not valid base64') };
  try {
    return { ok: true, rawBody: utf8.decode(Buffer.from(text, 'base64')) };
  } catch {
    return { ok: false, answer: invalidBody('body is not valid UTF-8') };
  }
};
