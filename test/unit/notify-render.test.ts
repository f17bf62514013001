import { describe, expect, it } from 'vitest';
import { renderMessage, renderSummary } from '../../lib/notify/render.ts';
import { progressOf, type RequestState } from '../../lib/notify/state.ts';
import type { ReleaseApproval } from '../../lib/store/release-approvals.ts';
import { aRelease } from '../support/releases.ts';

const alice = { kind: 'slack', workspace: 'T1', user: 'U1', name: 'alice' } as const;
const bob = { kind: 'slack', workspace: 'T1', user: 'U2', name: 'bob' } as const;
const carol = { kind: 'slack', workspace: 'T1', user: 'U3', name: 'carol' } as const;

const deployment = {
  kind: 'Deployment',
  spec: {
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'registry.local:5000/acme/api:1.2.0@sha256:aa' },
          { name: 'proxy', image: 'envoy:v1.30' },
        ],
      },
    },
  },
};

const approval = (over: Partial<ReleaseApproval> = {}): ReleaseApproval => ({
  app: 'api',
  environment: 'production',
  id: 'req-1',
  request: {
    app: 'api',
    environment: 'production',
    image: 'registry.local:5000/acme/api:1.2.0',
    namespace: 'default',
    replicas: 1,
    ports: [],
    env: {},
    dryRun: false,
  },
  requester: alice,
  required: 2,
  role: 'approve',
  selfApproval: false,
  openedAt: '2026-12-02T12:00:00Z',
  dueAt: '2026-12-03T12:00:00Z',
  state: 'open',
  votes: [
    {
      principal: 'slack:T1/U2',
      voter: bob,
      decision: 'approve',
      at: '2026-12-02T12:05:00Z',
      via: 'slack',
      counted: true,
    },
  ],
  version: 1,
  ...over,
});

const base = { app: 'api', environment: 'production', request: 'req-1', requester: alice } as const;
const twoWaves = {
  environment: 'production',
  eventId: 'req-1',
  revision: 7,
  manifests: [deployment],
  waves: [['eu-1'], ['us-1', 'us-2']],
};
const ready = { apply: 'created', rollout: 'ready', updatedAt: '2026-12-02T12:10:00Z' } as const;
const progressing = { apply: 'created', rollout: 'progressing', updatedAt: '2026-12-02T12:10:00Z' } as const;

/** Every mrkdwn text of the message, one string, for the cases to look into. */
const textOf = (s: RequestState, publicUrl?: string) => JSON.stringify(renderMessage(s, { publicUrl }).blocks);
const actionsOf = (s: RequestState) => renderMessage(s).blocks.filter((b) => b.type === 'actions');

const cases: {
  name: string;
  state: RequestState;
  progress: string;
  text: string;
  shows: string[];
  hides?: string[];
}[] = [
  {
    name: 'an approval waiting for one more approver',
    state: { ...base, approval: approval() },
    progress: 'awaiting-approval',
    text: 'api to production: waiting for approval (1/2)',
    shows: ['1/2 approvals, open until 2026-12-03 12:00 UTC', 'approved by @bob (slack T1/U2) at 2026-12-02 12:05 UTC'],
  },
  {
    name: 'an approval rejected',
    state: {
      ...base,
      approval: approval({
        state: 'rejected',
        endedAt: '2026-12-02T12:07:00Z',
        votes: [
          ...approval().votes,
          {
            principal: 'slack:T1/U3',
            voter: carol,
            decision: 'reject',
            at: '2026-12-02T12:07:00Z',
            via: 'slack',
            counted: true,
          },
        ],
      }),
    },
    progress: 'approval-rejected',
    text: 'api to production: rejected by @carol (slack T1/U3)',
    shows: ['rejected at 2026-12-02 12:07 UTC', '*Rejected* by @carol (slack T1/U3): nothing was released'],
  },
  {
    name: 'an approval expired',
    state: { ...base, approval: approval({ state: 'expired', endedAt: '2026-12-03T12:00:00Z' }) },
    progress: 'approval-expired',
    text: 'api to production: approval expired',
    shows: ['1/2 approvals, expired at 2026-12-03 12:00 UTC', '*Expired*'],
  },
  {
    name: 'a superseded push approval whose request was redelivered late (a skip in its history)',
    state: {
      ...base,
      approval: approval({ state: 'superseded', endedAt: '2026-12-03T12:00:00Z', supersededBy: 'p2' }),
      refusal: { code: 'superseded', reason: 'a newer push (p2) already asked for approval (open)' },
    },
    progress: 'approval-superseded',
    text: 'api to production: superseded by a newer push',
    shows: ['*Superseded*'],
  },
  {
    name: 'a push approval superseded by a newer push',
    state: {
      ...base,
      approval: approval({ state: 'superseded', endedAt: '2026-12-03T12:00:00Z', supersededBy: 'p2' }),
    },
    progress: 'approval-superseded',
    text: 'api to production: superseded by a newer push',
    shows: ['1/2 approvals, superseded at 2026-12-03 12:00 UTC', '*Superseded*: a newer push waits for approval'],
  },
  {
    name: 'a release in its first wave, after a granted approval',
    state: {
      ...base,
      approval: approval({ state: 'released', revision: 7 }),
      release: aRelease({ ...twoWaves, status: 'progressing', clusters: { 'eu-1': progressing } }),
    },
    progress: 'rolling-out',
    text: 'api to production: r7 rolling out (wave 1 of 2)',
    shows: [
      '*Release r7*',
      'web: `registry.local:5000/acme/api:1.2.0@sha256:aa`',
      'proxy: `envoy:v1.30`',
      '*Wave 1 of 2*: progressing',
      '`eu-1` progressing',
      '*Wave 2 of 2*: waiting',
      '`us-1` waiting',
      'granted',
    ],
  },
  {
    name: 'a release whose every wave is Ready',
    state: {
      ...base,
      release: aRelease({ ...twoWaves, wave: 1, clusters: { 'eu-1': ready, 'us-1': ready, 'us-2': ready } }),
    },
    progress: 'succeeded',
    text: 'api to production: r7 succeeded',
    shows: ['*Wave 1 of 2*: Ready', '*Wave 2 of 2*: Ready', '`us-2` Ready', '*Succeeded*: every wave is Ready'],
  },
  {
    name: 'a release failed in its second wave, with the reason',
    state: {
      ...base,
      release: aRelease({
        ...twoWaves,
        wave: 1,
        status: 'failed',
        statusReason: { code: 'rollout-failed', reason: 'halted at wave 2 of 2: us-1 failed; no rollback' },
        clusters: {
          'eu-1': ready,
          'us-1': { ...ready, rollout: 'failed', code: 'rollout-failed', message: 'ProgressDeadlineExceeded' },
          'us-2': ready,
        },
      }),
    },
    progress: 'failed',
    text: 'api to production: r7 failed: halted at wave 2 of 2: us-1 failed; no rollback',
    shows: ['*Wave 2 of 2*: failed', '`us-1` failed: ProgressDeadlineExceeded', '*Failed*: halted at wave 2'],
  },
  {
    name: 'a failed release rolled back automatically',
    state: {
      ...base,
      release: aRelease({ ...twoWaves, status: 'failed', clusters: { 'eu-1': { ...ready, rollout: 'failed' } } }),
      rollback: aRelease({ revision: 8, rollbackOf: 6, eventId: 'rb', status: 'succeeded' }),
    },
    progress: 'rolled-back',
    text: 'api to production: r7 failed, rolled back to r6',
    shows: ['*Rollback* r8 re-applies r6: succeeded', '*Rolled back* to r6', '*Wave 2 of 2*: not started'],
  },
  {
    name: 'a rollback still rolling out',
    state: {
      ...base,
      release: aRelease({ ...twoWaves, status: 'failed' }),
      rollback: aRelease({ revision: 8, rollbackOf: 6, eventId: 'rb', status: 'progressing' }),
    },
    progress: 'rolling-back',
    text: 'api to production: r7 failed, rolling back to r6',
    shows: ['r8 re-applies r6: in progress'],
  },
  {
    name: 'a rollback a person asked for, done',
    state: { ...base, release: aRelease({ ...twoWaves, rollbackOf: 5, clusters: {} }) },
    progress: 'rolled-back',
    text: 'api to production: rolled back to r5 (r7)',
    shows: ['*Rolled back* to r5'],
  },
  {
    name: 'a request refused by policy, with mrkdwn escaped',
    state: { ...base, refusal: { code: 'policy', reason: 'image tag <latest> & no digest' } },
    progress: 'refused',
    text: 'api to production: refused: image tag &lt;latest&gt; &amp; no digest',
    shows: ['*Refused*: image tag &lt;latest&gt; &amp; no digest'],
    hides: ['<latest>'],
  },
  {
    name: 'a request accepted, nothing made yet, by a CI job',
    state: {
      app: 'api',
      environment: 'production',
      request: 'req-1',
      requester: {
        kind: 'ci',
        provider: 'github',
        issuer: 'https://token.actions.githubusercontent.com',
        repository: 'acme/api',
        repositoryId: '42',
        ref: 'refs/heads/main',
        run: '9',
        subject: 'repo:acme/api:ref:refs/heads/main',
      },
    },
    progress: 'accepted',
    text: 'api to production: accepted',
    shows: ['Requested by github acme/api@refs/heads/main (run 9)'],
  },
];

describe('the message of a request', () => {
  it.each(cases)('$name', ({ state, progress, text, shows, hides = [] }) => {
    expect(progressOf(state)).toBe(progress);
    const rendered = renderMessage(state);
    expect(rendered.text).toBe(text);
    const all = textOf(state);
    for (const s of shows) expect(all).toContain(JSON.stringify(s).slice(1, -1));
    for (const s of hides) expect(all).not.toContain(s);
    // Only an open approval has buttons.
    expect(actionsOf(state)).toHaveLength(state.approval?.state === 'open' ? 1 : 0);
    expect(renderSummary(state)).toBe(text);
  });

  it('has Approve and Reject buttons with a confirm dialog while the approval is open', () => {
    const [actions] = actionsOf({ ...base, approval: approval() });
    const elements = actions?.elements as Record<string, unknown>[];
    expect(elements.map((e) => [e.action_id, e.value, e.style])).toEqual([
      ['approval.approve', 'api|production|req-1', 'primary'],
      ['approval.reject', 'api|production|req-1', 'danger'],
    ]);
    for (const e of elements) {
      expect(e.confirm).toMatchObject({
        title: { type: 'plain_text' },
        text: { type: 'mrkdwn' },
        confirm: { type: 'plain_text' },
        deny: { type: 'plain_text', text: 'Cancel' },
      });
    }
  });

  it('links the history when CAPSTAN_PUBLIC_URL is set, and not otherwise', () => {
    const state: RequestState = { ...base, release: aRelease(twoWaves) };
    expect(textOf(state, 'https://capstan.example.com/')).toContain(
      '<https://capstan.example.com/apps/api?env=production|History of api in production>',
    );
    expect(textOf(state)).not.toContain('History of');
  });

  it('names the free-text requestedBy when no authenticated requester is known', () => {
    expect(textOf({ app: 'api', environment: 'staging', request: 'r', requestedBy: 'harbor:ci-bot' })).toContain(
      'Requested by harbor:ci-bot',
    );
  });

  it('never carries more than Slack takes in one text object', () => {
    const long = 'x'.repeat(5000);
    const { blocks } = renderMessage({ ...base, refusal: { code: 'policy', reason: long } });
    for (const b of blocks) {
      const t = (b.text as { text?: string } | undefined)?.text ?? '';
      expect(t.length).toBeLessThanOrEqual(3000);
    }
  });
});
