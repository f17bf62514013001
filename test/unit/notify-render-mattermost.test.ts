import { describe, expect, it } from 'vitest';
import { verifyActionContext } from '../../lib/chat/mattermost/actions.ts';
import { markdown, renderMattermostPost } from '../../lib/notify/render-mattermost.ts';
import type { RequestState } from '../../lib/notify/state.ts';
import type { ReleaseApproval } from '../../lib/store/release-approvals.ts';
import { aRelease } from '../support/releases.ts';

const KEY = 'unit-test-action-key-0123456789';
const ACTIONS_URL = 'https://capstan.example.com/hooks/mattermost/actions';
const dana = { kind: 'mattermost', workspace: 'team1', user: 'user1', name: 'dana' } as const;

const open: ReleaseApproval = {
  app: 'web',
  environment: 'prod',
  id: 'req-9',
  request: {
    app: 'web',
    environment: 'prod',
    image: 'registry.local:5000/acme/web:2.0.0',
    namespace: 'default',
    replicas: 2,
    ports: [],
    env: {},
    dryRun: false,
  },
  requester: dana,
  required: 1,
  role: 'approve',
  selfApproval: false,
  openedAt: '2026-12-04T03:00:00Z',
  dueAt: '2026-12-05T03:00:00Z',
  state: 'open',
  votes: [],
  version: 1,
};
const waiting: RequestState = { app: 'web', environment: 'prod', request: 'req-9', requester: dana, approval: open };
const options = { actionKey: KEY, actionsUrl: ACTIONS_URL };

describe('Slack mrkdwn to Mattermost Markdown', () => {
  it.each([
    ['bold words', '*web* to *prod*: r3 succeeded', '**web** to **prod**: r3 succeeded'],
    ['a bold heading before a colon', '*Wave 1 of 2*: Ready', '**Wave 1 of 2**: Ready'],
    [
      'a link',
      '<https://c.example/apps/web?env=prod|History of web in prod>',
      '[History of web in prod](https://c.example/apps/web?env=prod)',
    ],
    ['escaped characters', 'a &lt;b&gt; &amp;amp; c', 'a <b> &amp; c'],
    [
      'code spans unchanged',
      '• web: `registry.local:5000/acme/web:2.0.0`',
      '• web: `registry.local:5000/acme/web:2.0.0`',
    ],
    ['a lone star unchanged', 'rated 5* today', 'rated 5* today'],
  ])('%s', (_, from, to) => {
    expect(markdown(from)).toBe(to);
  });
});

describe('the request message as a Mattermost post', () => {
  it('while the approval is open: one attachment, its text, and Approve and Reject buttons carrying a valid MAC', () => {
    const post = renderMattermostPost(waiting, options);
    expect(post.message).toBe('');
    expect(post.props.attachments).toHaveLength(1);
    const [a] = post.props.attachments;
    expect(a?.fallback).toBe('web to prod: waiting for approval (0/1)');
    expect(a?.color).toBe('#e8a317');
    expect(a?.text).toContain('**web** to **prod**: waiting for approval (0/1)');
    expect(a?.text).toContain('**Approval** 0/1 approvals, open until 2026-12-05 03:00 UTC');
    expect(a?.actions?.map((b) => [b.id, b.name, b.style, b.integration.url])).toEqual([
      ['approve', 'Approve', 'success', ACTIONS_URL],
      ['reject', 'Reject', 'danger', ACTIONS_URL],
    ]);
    for (const b of a?.actions ?? []) {
      const verdict = verifyActionContext(KEY, JSON.parse(JSON.stringify(b.integration.context)));
      expect(verdict).toMatchObject({
        ok: true,
        context: { approval: { app: 'web', environment: 'prod', id: 'req-9' } },
      });
    }
    expect(a?.actions?.map((b) => b.integration.context.vote)).toEqual(['approve', 'reject']);
  });

  it.each<[string, RequestState, typeof options | object, string]>([
    ['no actionKey in the chat secret', waiting, { actionsUrl: ACTIONS_URL }, '#e8a317'],
    ['no actions URL', waiting, { actionKey: KEY }, '#e8a317'],
    ['the approval granted', { ...waiting, approval: { ...open, state: 'granted' } }, options, '#2389d7'],
    ['the approval rejected', { ...waiting, approval: { ...open, state: 'rejected' } }, options, '#d24b4e'],
    [
      'the release succeeded',
      {
        ...waiting,
        approval: { ...open, state: 'released' },
        release: aRelease({ app: 'web', environment: 'prod', status: 'succeeded' }),
      },
      options,
      '#3db887',
    ],
  ])('no buttons when %s', (_, state, o, color) => {
    const [a] = renderMattermostPost(state, o).props.attachments;
    expect(a?.actions).toBeUndefined();
    expect(a?.color).toBe(color);
  });

  it('the history link in Markdown, and nothing Slack-only left in the text', () => {
    const [a] = renderMattermostPost(waiting, { ...options, publicUrl: 'https://capstan.example.com/' }).props
      .attachments;
    expect(a?.text).toContain('[History of web in prod](https://capstan.example.com/apps/web?env=prod)');
    expect(a?.text).not.toMatch(/<https?:|&lt;|&gt;|(^|\s)\*[^*\s]/m);
  });

  it('the same state renders the same post', () => {
    expect(JSON.stringify(renderMattermostPost(waiting, options))).toBe(
      JSON.stringify(renderMattermostPost(waiting, options)),
    );
  });
});
