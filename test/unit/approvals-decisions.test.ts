import { describe, expect, it } from 'vitest';
import type { Requester } from '../../events/requester.ts';
import { checkExpiry } from '../../lib/approvals/decisions/check-expiry.ts';
import { type Ballot, countedApprovals, countVote } from '../../lib/approvals/decisions/count-vote.ts';
import type { ReleaseApproval } from '../../lib/store/release-approvals.ts';

const OPENED = '2026-12-01T10:00:00.000Z';
const DUE = '2026-12-02T10:00:00.000Z';
const NOW = new Date('2026-12-01T11:00:00.000Z');

const alice: Requester = { kind: 'slack', workspace: 'T1', user: 'U1', name: 'alice' };
const bob: Requester = { kind: 'slack', workspace: 'T1', user: 'U2' };
const carol: Requester = { kind: 'cli', user: 'carol' };
const dave: Requester = { kind: 'cli', user: 'dave' };
const token: Requester = { kind: 'token' };

const approval = (o: Partial<ReleaseApproval> = {}): ReleaseApproval => ({
  app: 'hello',
  environment: 'production',
  id: 'd1',
  request: {
    app: 'hello',
    environment: 'production',
    image: 'registry.local:5000/acme/hello:1.0.0',
    namespace: 'demo',
    replicas: 3,
    ports: [],
    env: {},
    dryRun: false,
  },
  requester: alice,
  required: 2,
  role: 'approve',
  selfApproval: false,
  openedAt: OPENED,
  dueAt: DUE,
  state: 'open',
  votes: [],
  version: 3,
  ...o,
});

const approve = (voter: Requester): Ballot => ({ voter, decision: 'approve', via: 'cli' });
const reject = (voter: Requester): Ballot => ({ voter, decision: 'reject', via: 'slack', comment: 'not today' });

/** Casts the ballots one after the other; the last one's outcome, code and the final state and count. */
const cast = (record: ReleaseApproval, ballots: Ballot[], now = NOW) => {
  let current = record;
  let last: ReturnType<typeof countVote> | undefined;
  for (const b of ballots) {
    last = countVote(current, b, now);
    current = last.next;
  }
  return {
    outcome: last?.outcome,
    code: last?.code,
    state: current.state,
    approvals: countedApprovals(current),
    votes: current.votes.map((v) => `${v.principal} ${v.decision} ${v.counted ? 'counted' : v.why}`),
  };
};

describe('countVote', () => {
  it.each([
    {
      name: 'a distinct approver counts',
      record: approval(),
      ballots: [approve(bob)],
      want: { outcome: 'counted', code: undefined, state: 'open', approvals: 1 },
    },
    {
      name: 'reaching `required` distinct approvals grants it',
      record: approval(),
      ballots: [approve(bob), approve(carol)],
      want: { outcome: 'granted', state: 'granted', approvals: 2 },
    },
    {
      name: "the requester's own approve is recorded, not counted",
      record: approval(),
      ballots: [approve(alice)],
      want: { outcome: 'not-counted', code: 'self-approval', state: 'open', approvals: 0 },
    },
    {
      name: "with selfApproval the requester's own approve counts",
      record: approval({ selfApproval: true, required: 1 }),
      ballots: [approve(alice)],
      want: { outcome: 'granted', state: 'granted', approvals: 1 },
    },
    {
      name: 'the same person twice counts once',
      record: approval(),
      ballots: [approve(bob), approve(bob)],
      want: { outcome: 'not-counted', code: 'repeat-vote', state: 'open', approvals: 1 },
    },
    {
      name: 'the same person with a new display name is the same person',
      record: approval(),
      ballots: [approve(bob), approve({ ...bob, name: 'robert' })],
      want: { outcome: 'not-counted', code: 'repeat-vote', approvals: 1 },
    },
    {
      name: 'a token voter never counts (anonymous)',
      record: approval({ required: 1 }),
      ballots: [approve(token)],
      want: { outcome: 'not-counted', code: 'anonymous-vote', state: 'open', approvals: 0 },
    },
    {
      name: 'a token reject ends nothing',
      record: approval(),
      ballots: [reject(token)],
      want: { outcome: 'not-counted', code: 'anonymous-vote', state: 'open' },
    },
    {
      name: 'one reject ends it, approvals before it notwithstanding',
      record: approval({ required: 3 }),
      ballots: [approve(bob), approve(carol), reject(dave)],
      want: { outcome: 'rejected', code: 'rejected', state: 'rejected', approvals: 2 },
    },
    {
      name: 'a vote after a grant changes nothing',
      record: approval(),
      ballots: [approve(bob), approve(carol), approve(dave)],
      want: { outcome: 'ended', code: 'approval-ended', state: 'granted', approvals: 2 },
    },
    {
      name: 'a vote after a reject changes nothing',
      record: approval(),
      ballots: [reject(bob), approve(carol)],
      want: { outcome: 'ended', code: 'approval-ended', state: 'rejected', approvals: 0 },
    },
    {
      name: 'a vote on a released approval changes nothing',
      record: approval({ state: 'released', revision: 4 }),
      ballots: [approve(bob)],
      want: { outcome: 'ended', code: 'approval-ended', state: 'released' },
    },
  ])('$name', ({ record, ballots, want }) => {
    expect(cast(record, ballots)).toMatchObject(want);
  });

  it('a vote at dueAt expires it instead of counting', () => {
    const { next, outcome, code } = countVote(approval(), approve(bob), new Date(DUE));
    expect({ outcome, code, state: next.state, endedAt: next.endedAt, votes: next.votes }).toEqual({
      outcome: 'expired',
      code: 'expired',
      state: 'expired',
      endedAt: DUE,
      votes: [],
    });
  });

  it('records every vote with who, when, where and why not; the version stays as read', () => {
    const { next } = countVote(approval(), approve(alice), NOW);
    expect(next.votes).toEqual([
      {
        principal: 'slack:T1/U1',
        voter: alice,
        decision: 'approve',
        at: NOW.toISOString(),
        via: 'cli',
        counted: false,
        why: 'self-approval',
      },
    ]);
    expect(next.version).toBe(3);
    expect(cast(approval(), [approve(alice), approve(bob), reject(carol)]).votes).toEqual([
      'slack:T1/U1 approve self-approval',
      'slack:T1/U2 approve counted',
      'cli:carol reject counted',
    ]);
  });

  it('a grant and a reject say when it ended', () => {
    expect(cast(approval({ required: 1 }), [approve(bob)]).state).toBe('granted');
    expect(countVote(approval({ required: 1 }), approve(bob), NOW).next.endedAt).toBe(NOW.toISOString());
    expect(countVote(approval(), reject(bob), NOW).next.endedAt).toBe(NOW.toISOString());
  });
});

describe('checkExpiry', () => {
  it.each([
    {
      name: 'an open one due in a day is looked at again in 15 minutes',
      now: NOW,
      want: { verdict: 'later', delaySeconds: 900 },
    },
    {
      name: 'an open one due in 3 s is looked at again then',
      now: new Date(Date.parse(DUE) - 2500),
      want: { verdict: 'later', delaySeconds: 3 },
    },
    { name: 'an open one at dueAt expires', now: new Date(DUE), want: { verdict: 'expire' } },
    { name: 'an open one after dueAt expires', now: new Date(Date.parse(DUE) + 1), want: { verdict: 'expire' } },
  ])('$name', ({ now, want }) => {
    expect(checkExpiry(approval(), now)).toMatchObject(want);
  });

  it.each(['granted', 'rejected', 'expired', 'released'] as const)('a %s one is left alone', (state) => {
    expect(checkExpiry(approval({ state }), new Date(Date.parse(DUE) + 1000))).toEqual({ verdict: 'ended' });
  });

  it('an expiry says when', () => {
    const verdict = checkExpiry(approval(), new Date(DUE));
    expect(verdict.verdict === 'expire' && verdict.next).toMatchObject({ state: 'expired', endedAt: DUE });
  });
});
