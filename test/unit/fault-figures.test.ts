import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../lib/store/history.ts';
import type { Release } from '../../lib/store/releases.ts';
import { deployRequest, poisonMessages } from '../faults/events.ts';
import { computeFigures, type LiveDeployment, type TableState } from '../faults/figures.ts';

// The fault suite's invariant checks on hand-made states: a suite that cannot see a lost event or a
// double effect would pass whatever capstan did.
const at = '2026-12-01T12:00:00.000Z';

const release = (app: string, revision: number, eventId: string, clusters: string[] = ['c1']): Release => ({
  app,
  environment: 'staging',
  revision,
  eventId,
  image: `img:${revision}`,
  namespace: app,
  manifests: [],
  createdAt: at,
  waves: [clusters],
  wave: 0,
  status: 'succeeded',
  clusters: Object.fromEntries(clusters.map((c) => [c, { apply: 'created', rollout: 'ready', updatedAt: at }])),
});

const apply = (app: string, revision: number, eventId: string, outcome: HistoryEntry['outcome']): HistoryEntry => ({
  app,
  environment: 'staging',
  cluster: 'c1',
  revision,
  eventId,
  eventType: 'deploy.requested',
  action: 'apply',
  outcome,
  eventTime: at,
  receivedAt: at,
  recordedAt: at,
});

const live = (app: string, generation: number, revision: number): LiveDeployment => ({
  app,
  cluster: 'c1',
  generation,
  revision,
});

const extra = { consumerRetries: 0, injected: {} };

describe('fault suite figures', () => {
  const [a1, a2, b1] = [deployRequest('a', 1), deployRequest('a', 2), deployRequest('b', 1)] as const;

  it('a consistent run: nothing lost, nothing doubled, every duplicate counted as dropped', () => {
    const table: TableState = {
      releases: [release('a', 1, a1.id), release('a', 2, a2.id), release('b', 1, b1.id)],
      history: [
        apply('a', 1, a1.id, 'created'),
        apply('a', 1, 'advance-1', 'unchanged'),
        apply('a', 2, a2.id, 'configured'),
      ],
    };
    const f = computeFigures(
      { accepted: [a1, a2, b1], deliveries: 15, poison: [] },
      table,
      [live('a', 2, 2)],
      [],
      extra,
    );
    expect(f.lost).toEqual([]);
    expect(f.doubled).toEqual([]);
    expect(f.duplicatesDropped).toBe(12);
    expect(f.releases).toEqual({ total: 3, succeeded: 3 });
  });

  it('sees a lost event, a second release for one event, two changing applies and an extra spec change', () => {
    const table: TableState = {
      releases: [release('a', 1, a1.id), release('a', 2, a2.id), release('a', 3, a2.id)],
      history: [apply('a', 1, a1.id, 'created'), apply('a', 1, 'advance-1', 'configured')],
    };
    const f = computeFigures(
      { accepted: [a1, a2, b1], deliveries: 3, poison: [] },
      table,
      [live('a', 5, 3)],
      [],
      extra,
    );
    expect(f.lost).toEqual([`b: ${b1.id}`]);
    expect(f.doubled).toEqual([
      `event ${a2.id} made 2 releases (#2, #3)`,
      expect.stringMatching(/^a#1@c1 applied 2 times with a change/),
      'a@c1: Deployment generation 5 after 3 release(s)',
    ]);
  });

  it('a cluster running an older release than the newest recorded there counts as a double effect', () => {
    const table: TableState = { releases: [release('a', 1, a1.id), release('a', 2, a2.id)], history: [] };
    const f = computeFigures({ accepted: [a1, a2], deliveries: 2, poison: [] }, table, [live('a', 2, 1)], [], extra);
    expect(f.doubled).toEqual(['a@c1: runs release #1, the newest recorded there is #2']);
  });

  it('poison must reach its DLQ with a reason, and the history where it has an id', () => {
    const poison = poisonMessages('t');
    const dead = poison
      .filter((p) => p.queue === 'deploy')
      .map((p) => ({ queue: p.queue, body: p.body, reason: 'refused' }));
    const rejected = poison
      .filter((p) => p.queue === 'deploy' && p.eventId)
      .map(
        (p): HistoryEntry => ({
          ...apply(p.app ?? '', 1, p.eventId ?? '', 'refused'),
          action: 'receive',
          code: 'invalid',
        }),
      );
    const f = computeFigures(
      { accepted: [], deliveries: 0, poison },
      { releases: [], history: rejected },
      [],
      dead,
      extra,
    );
    // Every rollout and registry poison is unaccounted, except the ECR push nobody tracks: not poison.
    expect(f.poisonUnaccounted.sort()).toEqual([
      'registry invalid-event',
      'registry not-json',
      'rollout invalid-event',
      'rollout not-json',
      'rollout unknown-target',
    ]);
    expect(f.deadLetters).toEqual({ 'deploy: refused': 3 });
  });
});
