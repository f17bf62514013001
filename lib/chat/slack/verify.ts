import { createHmac, timingSafeEqual } from 'node:crypto';
import { header } from '../headers.ts';

/** How far Slack's request timestamp may be from now, either way (Slack's own advice: five minutes). */
export const SLACK_REPLAY_SECONDS = 300;

export type SlackVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'unauthorized' | 'bad-signature' | 'replayed'; readonly reason: string };

export interface SlackSigned {
  /** The body exactly as Slack sent it (after API Gateway's base64 is undone): the signature is over it. */
  readonly rawBody: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

const refuse = (code: 'unauthorized' | 'bad-signature' | 'replayed', reason: string): SlackVerdict => ({
  ok: false,
  code,
  reason,
});

/** `v0=` + the hex HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret: Slack's signing v0. */
export const slackSignature = (signingSecret: string, timestamp: string, rawBody: string): string =>
  `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;

/**
 * Slack's request signing v0, as "Verifying requests from Slack" describes it: the timestamp within 300 s
 * of now (an old signed request replayed is refused), then the signature compared in constant time. No
 * signing secret configured means capstan serves no Slack: every request is refused, none taken unchecked.
 */
export const verifySlackRequest = (
  req: SlackSigned,
  signingSecret: string | undefined,
  nowSeconds: number,
): SlackVerdict => {
  if (!signingSecret)
    return refuse('unauthorized', 'Slack is not configured: the chat secret has no slack.signingSecret');
  const timestamp = header(req.headers, 'x-slack-request-timestamp');
  const signature = header(req.headers, 'x-slack-signature');
  if (timestamp === undefined || signature === undefined) {
    return refuse('bad-signature', 'X-Slack-Request-Timestamp and X-Slack-Signature are required');
  }
  if (!/^\d{1,12}$/.test(timestamp)) return refuse('bad-signature', 'X-Slack-Request-Timestamp is not a Unix time');
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_REPLAY_SECONDS) {
    return refuse('replayed', `signed more than ${SLACK_REPLAY_SECONDS} s from now`);
  }
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, req.rawBody));
  const given = Buffer.from(signature);
  // timingSafeEqual throws on unequal lengths; a length says nothing about the secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return refuse('bad-signature', 'X-Slack-Signature does not match the body');
  }
  return { ok: true };
};
