import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CapstanEvent } from '../../events/index.ts';
import { acceptAlertmanagerHook } from '../../lib/ingest/alertmanager-hook.ts';
import { MAX_HOOK_BODY_BYTES } from '../../lib/ingest/body.ts';
import { alertmanagerHookToken, hookSecret, kubernetesHookToken } from '../../lib/ingest/hook-secret.ts';
import { destinationOf } from '../../lib/queue/send.ts';

const INGEST = 'k3XbV9qLw2Rr7TzN4pYd-ingest-token';
const group = readFileSync(new URL('../fixtures/sources/alertmanager-hpa-group.json', import.meta.url), 'utf8');
const bearer = { authorization: `Bearer ${alertmanagerHookToken(INGEST)}`, 'content-type': 'application/json' };

const post = async (rawBody: string, headers: Record<string, string> = bearer) => {
  const sent: CapstanEvent[] = [];
  const answer = await acceptAlertmanagerHook({ rawBody, headers }, INGEST, async (e) => void sent.push(e));
  return { ...answer, sent };
};

describe('POST /hooks/alertmanager', () => {
  it('enqueues each alert capstan scales on as its own hpa.threshold.hit, the rest answered ignored with why', async () => {
    const answer = await post(group);
    expect(answer.status).toBe(200);
    expect(answer.sent.map((e) => `${e.type} ${e.subject} ${(e.data as { status: string }).status}`)).toEqual([
      'hpa.threshold.hit dc1/shop/HorizontalPodAutoscaler/web firing',
      'hpa.threshold.hit dc1/shop/Deployment/api resolved',
    ]);
    expect(answer.sent.map((e) => destinationOf('ingest', e).queue)).toEqual(['scale', 'scale']);
    expect(answer.body).toEqual({
      accepted: answer.sent.map((e) => e.id),
      ignored: [
        {
          alert: 'KubeHpaMaxedOut 7a7a7a7a7a7a7a7a',
          why: 'alert KubeHpaMaxedOut: no cluster label (set it in Prometheus external_labels or a relabel rule)',
        },
        {
          alert: 'KubePodCrashLooping 1f1f1f1f1f1f1f1f',
          why: 'alert KubePodCrashLooping is not one capstan scales on',
        },
      ],
    });
  });

  it('the same notification again (a repeat interval) is the same event ids: the consumer takes them once', async () => {
    const first = await post(group);
    const again = await post(group);
    expect(again.body.accepted).toEqual(first.body.accepted);
  });

  it('an alert listed twice in one notification is sent once', async () => {
    const body = JSON.parse(group);
    body.alerts = [body.alerts[0], body.alerts[0]];
    const answer = await post(JSON.stringify(body));
    expect(answer.sent).toHaveLength(1);
  });

  it('a valid notification with nothing capstan can map is still a 200: Alertmanager must not resend it', async () => {
    const body = JSON.parse(group);
    body.alerts = body.alerts.slice(2);
    const answer = await post(JSON.stringify(body));
    expect(answer).toMatchObject({ status: 200, body: { accepted: [] } });
    expect(answer.body.ignored).toHaveLength(2);
    expect(answer.sent).toEqual([]);
  });

  it('an alert whose cluster label is no capstan cluster name is ignored with why', async () => {
    const body = JSON.parse(group);
    body.alerts = [{ ...body.alerts[0], labels: { ...body.alerts[0].labels, cluster: 'DC 1' } }];
    const answer = await post(JSON.stringify(body));
    expect(answer.body.ignored).toEqual([
      {
        alert: 'KubeHpaMaxedOut 5c2e3c1a8b0d9f47',
        why: 'alert KubeHpaMaxedOut: label cluster "DC 1" is not a capstan cluster name',
      },
    ]);
  });

  it('an alert past the year 9999 is ignored with why, not a 5xx', async () => {
    const body = JSON.parse(group);
    body.alerts = [{ ...body.alerts[0], startsAt: '+010000-01-01T00:00:00Z' }];
    const answer = await post(JSON.stringify(body));
    expect(answer.status).toBe(200);
    expect(answer.sent).toEqual([]);
    expect(answer.body.ignored).toHaveLength(1);
  });

  it.each([
    ['no Authorization', { 'content-type': 'application/json' }],
    ['the ingest token itself', { authorization: `Bearer ${INGEST}` }],
    ["a cluster exporter's token", { authorization: `Bearer ${kubernetesHookToken(INGEST, 'dc1')}` }],
    ["a registry's secret", { authorization: `Bearer ${hookSecret(INGEST, 'distribution')}` }],
    ['basic auth', { authorization: `Basic ${Buffer.from(`x:${alertmanagerHookToken(INGEST)}`).toString('base64')}` }],
    ['the token without its scheme', { authorization: alertmanagerHookToken(INGEST) }],
  ])('refuses %s with 401 and enqueues nothing', async (_, headers) => {
    const answer = await post(group, headers);
    expect(answer).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(answer.sent).toEqual([]);
  });

  it('authenticates before it reads: a wrong token with a bad body is still 401', async () => {
    expect((await post('{', { authorization: 'Bearer nope' })).status).toBe(401);
  });

  it.each([
    ['a body that is not JSON', '{"version": "4",'],
    ['an empty body', ''],
    ['version 3', JSON.stringify({ ...JSON.parse(group), version: '3' })],
    ['no alerts', JSON.stringify({ ...JSON.parse(group), alerts: undefined })],
    ['a JSON array', '[]'],
    ['an alert with an unknown status', group.replace('"status": "resolved"', '"status": "pending"')],
  ])('refuses %s with 400 saying why', async (_, body) => {
    const answer = await post(body);
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid-payload' } });
    expect(String(answer.body.reason)).toMatch(/alertmanager/);
    expect(answer.sent).toEqual([]);
  });

  it('refuses a body above the hook limit with 413, before authenticating', async () => {
    const answer = await post(' '.repeat(MAX_HOOK_BODY_BYTES + 1), {});
    expect(answer).toMatchObject({ status: 413, body: { error: 'too-large' } });
  });

  it('lets a failing enqueue throw: the function answers 503 and Alertmanager retries', async () => {
    const failing = async () => {
      throw new Error('queue unreachable');
    };
    await expect(acceptAlertmanagerHook({ rawBody: group, headers: bearer }, INGEST, failing)).rejects.toThrow(
      'queue unreachable',
    );
  });
});
