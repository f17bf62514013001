import { describe, expect, it } from 'vitest';
import { approvalButtons, verifyActionContext } from '../../lib/chat/mattermost/actions.ts';

const KEY = 'action-key-for-tests-0123456789';
const approval = { app: 'shop', environment: 'prod', id: 'a1b2c3d4' };
const [approve, reject] = approvalButtons(KEY, 'https://capstan.example/hooks/mattermost/actions', approval);
const ctx = approve!.integration.context;

describe("capstan's MAC in a Mattermost button's context", () => {
  it('the buttons it builds verify, each with its own vote', () => {
    expect(verifyActionContext(KEY, ctx)).toMatchObject({ ok: true, context: { vote: 'approve', approval } });
    expect(verifyActionContext(KEY, reject!.integration.context)).toMatchObject({
      ok: true,
      context: { vote: 'reject' },
    });
  });

  it.each([
    ['the vote turned', { ...ctx, vote: 'reject' }],
    ['another approval', { ...ctx, approval: { ...approval, id: 'ffff' } }],
    ['another environment', { ...ctx, approval: { ...approval, environment: 'staging' } }],
    ['a forged MAC', { ...ctx, mac: 'a'.repeat(64) }],
    ['a MAC of the wrong length', { ...ctx, mac: ctx.mac.slice(0, 62) }],
    ['no MAC', { approval, vote: 'approve' }],
    ['an extra field', { ...ctx, voter: 'mattermost:team1/boss' }],
    ['no context', undefined],
  ])('%s is refused', (_n, context) => {
    expect(verifyActionContext(KEY, context).ok).toBe(false);
  });

  it("another key's MAC, and no key configured, are refused", () => {
    expect(verifyActionContext('another-action-key-0123456789', ctx).ok).toBe(false);
    expect(verifyActionContext(undefined, ctx).ok).toBe(false);
  });
});
