import { describe, expect, it } from 'vitest';
import { PUSH_SOURCE, supersessionOf, type WaitingRequest } from '../../lib/deploy/decisions/supersede.ts';
import type { ReleaseApproval } from '../../lib/store/release-approvals.ts';

const at = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

const request = (
  id: string,
  minute: number,
  containers: string[],
  awaitApproval: boolean | undefined = true,
): WaitingRequest => ({
  id,
  source: awaitApproval ? PUSH_SOURCE : 'capstan/cli',
  time: at(minute),
  data: {
    container: containers[0],
    ...(containers.length > 1 ? { images: Object.fromEntries(containers.map((c) => [c, `r/${c}:1`])) } : {}),
    awaitApproval,
  },
});

const approval = (r: WaitingRequest, over: Partial<ReleaseApproval> = {}): ReleaseApproval =>
  ({
    app: 'shop',
    environment: 'production',
    id: r.id,
    request: { app: 'shop', environment: 'production', image: 'r/x:1', ...r.data },
    requester: { kind: 'token' },
    required: 1,
    role: 'approve',
    selfApproval: false,
    openedAt: at(59),
    requestedAt: r.time,
    ...(r.data.awaitApproval ? { push: true } : {}),
    dueAt: at(59),
    state: 'open',
    votes: [],
    version: 0,
    ...over,
  }) as ReleaseApproval;

const ids = (found: ReturnType<typeof supersessionOf>) =>
  found.next === 'open'
    ? { next: 'open', supersede: found.supersede.map((a) => a.id) }
    : { next: 'late', by: found.by.id };

describe('supersessionOf: of two pushes waiting, only the newer is worth a vote', () => {
  const p1 = request('p1', 0, ['api']);
  const p2 = request('p2', 5, ['api']);
  it.each<[string, WaitingRequest, ReleaseApproval[], ReturnType<typeof ids>]>([
    ['nothing waits: open', p2, [], { next: 'open', supersede: [] }],
    ['an older push of the same container is superseded', p2, [approval(p1)], { next: 'open', supersede: ['p1'] }],
    ['a newer push of the same container makes this one late', p1, [approval(p2)], { next: 'late', by: 'p2' }],
    [
      'two pushed at the same time: the one waiting gives way',
      request('p3', 5, ['api']),
      [approval(p2)],
      {
        next: 'open',
        supersede: ['p2'],
      },
    ],
    ['its own approval (a redelivery) is not a rival', p2, [approval(p2)], { next: 'open', supersede: [] }],
    [
      'a push of another container waits beside it',
      p2,
      [approval(request('s1', 0, ['proxy']))],
      {
        next: 'open',
        supersede: [],
      },
    ],
    [
      'a push of both containers supersedes one of either',
      request('b', 5, ['api', 'proxy']),
      [approval(request('s1', 0, ['proxy'])), approval(p1)],
      { next: 'open', supersede: ['s1', 'p1'] },
    ],
    [
      'a push of one container does not end a wait for both',
      p2,
      [approval(request('b', 0, ['api', 'proxy']))],
      {
        next: 'open',
        supersede: [],
      },
    ],
    [
      'a newer push of both containers makes a push of one late',
      p1,
      [approval(request('b', 5, ['api', 'proxy']))],
      {
        next: 'late',
        by: 'b',
      },
    ],
    [
      'an approval people asked for (no awaitApproval) is never ended',
      p2,
      [approval(request('d1', 0, ['api'], false))],
      { next: 'open', supersede: [] },
    ],
    [
      'an ended older approval is left as it ended',
      p2,
      [approval(p1, { state: 'granted' })],
      {
        next: 'open',
        supersede: [],
      },
    ],
    [
      'a newer push that already ended (rejected) still makes this one late',
      p1,
      [approval(p2, { state: 'rejected' })],
      {
        next: 'late',
        by: 'p2',
      },
    ],
    [
      'pushed in the same second, the greater id is the newer: the other way round, late',
      request('p0', 5, ['api']),
      [approval(p2)],
      { next: 'late', by: 'p2' },
    ],
    [
      "a person's request that asked to wait (not from a push) neither supersedes nor is superseded",
      p2,
      [approval({ ...p1, source: 'capstan/cli' }, { push: undefined })],
      { next: 'open', supersede: [] },
    ],
    ['the same from the other side', { ...p2, source: 'capstan/cli' }, [approval(p1)], { next: 'open', supersede: [] }],
    [
      'one recorded before requestedAt was kept is left alone',
      p2,
      [approval(p1, { requestedAt: undefined })],
      {
        next: 'open',
        supersede: [],
      },
    ],
    [
      'a request that did not ask to wait supersedes nothing',
      request('d2', 5, ['api'], false),
      [approval(p1)],
      {
        next: 'open',
        supersede: [],
      },
    ],
  ])('%s', (_, r, open, expected) => {
    expect(ids(supersessionOf(r, open))).toEqual(expected);
  });
});
