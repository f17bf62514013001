import { describe, expect, it } from 'vitest';
import { AutoscalingSchema } from '../../lib/apps/autoscaling.ts';
import { renderHistory } from '../../lib/cli/render/history.ts';
import { liveHpa, overrideView, renderScale, type ScaleView } from '../../lib/cli/render/scale.ts';
import { checkManualMax, effectiveScaling, forSeconds, type ScaleFlags, scaleMode } from '../../lib/cli/scale-args.ts';
import { InvalidInputError } from '../../lib/errors.ts';
import type { HistoryEntry } from '../../lib/store/history.ts';
import type { ScaleOverride } from '../../lib/store/scale-overrides.ts';

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('capstan scale: what the flags ask for', () => {
  it.each<[string, ScaleFlags, ReturnType<typeof scaleMode>]>([
    ['show, every cluster', { env: 'prod' }, { kind: 'show' }],
    ['show, one cluster', { env: 'prod', cluster: 'eu-1' }, { kind: 'show', cluster: 'eu-1' }],
    [
      'set with the spec’s burstFor',
      { env: 'prod', cluster: 'eu-1', max: 6 },
      { kind: 'set', cluster: 'eu-1', max: 6 },
    ],
    [
      'set for an hour',
      { env: 'prod', cluster: 'eu-1', max: 6, for: '1h' },
      { kind: 'set', cluster: 'eu-1', max: 6, forSeconds: 3600 },
    ],
    ['revert', { env: 'prod', cluster: 'eu-1', revert: true }, { kind: 'revert', cluster: 'eu-1' }],
  ])('%s', (_, flags, mode) => {
    expect(scaleMode(flags)).toEqual(mode);
  });

  it.each<[string, ScaleFlags, RegExp]>([
    ['--max without --cluster', { env: 'prod', max: 6 }, /--cluster is required with --max/],
    ['--revert without --cluster', { env: 'prod', revert: true }, /--cluster is required with --revert/],
    ['--max and --revert', { env: 'prod', cluster: 'a', max: 6, revert: true }, /not both/],
    ['--for without --max', { env: 'prod', cluster: 'a', for: '1h' }, /--for goes with --max/],
    ['--for with --revert', { env: 'prod', cluster: 'a', revert: true, for: '1h' }, /--for goes with --max/],
  ])('refuses %s', (_, flags, message) => {
    expect(refusal(() => scaleMode(flags))).toMatch(message);
  });
});

describe('--for: durations as the spec writes them, a minute to a week', () => {
  it.each([
    ['90s', 90],
    ['5m', 300],
    ['1h', 3600],
    ['600', 600],
    ['168h', 7 * 24 * 3600],
  ])('%s is %d seconds', (value, seconds) => {
    expect(forSeconds(value)).toBe(seconds);
  });
  it.each([
    ['30s', /from 1m to 168h/],
    ['169h', /at most a week/],
    ['1d', /must be a duration/],
    ['1.5h', /must be a duration/],
    ['', /must be a duration/],
  ])('refuses %j', (value, message) => {
    expect(refusal(() => forSeconds(value))).toMatch(message);
  });
});

const spec = effectiveScaling(AutoscalingSchema.parse({ min: 2, max: 4, burstMax: 10, cooldown: '5m' }));

describe('the spec with its defaults made explicit', () => {
  it('burstStep half of max, burstFor an hour, cooldown in seconds', () => {
    expect(spec).toEqual({
      hpa: true,
      min: 2,
      max: 4,
      cpuTarget: 80,
      cooldownSeconds: 300,
      burstMax: 10,
      burstStep: 2,
      burstForSeconds: 3600,
    });
  });
  it('no burstMax: the ceiling is max', () => {
    expect(effectiveScaling(AutoscalingSchema.parse({ max: 3 })).burstMax).toBe(3);
  });
});

describe("a manual --max within the spec's max..burstMax", () => {
  it.each([spec.max, 10])('%d is within', (max) => {
    expect(() => checkManualMax(max, spec, 'web in prod')).not.toThrow();
  });
  it('below the spec max names the bound', () => {
    expect(refusal(() => checkManualMax(spec.max - 1, spec, 'web in prod'))).toMatch(
      /a lower ceiling is a change to the app spec/,
    );
  });
  it('above burstMax names the bound', () => {
    expect(refusal(() => checkManualMax(11, spec, 'web in prod'))).toMatch(
      /--max 11 is outside \d+\.\.10 \(web in prod: max \d+, burstMax 10/,
    );
  });
  it('with no burstMax, says the spec allows nothing above max', () => {
    const plain = effectiveScaling(AutoscalingSchema.parse({ max: 3 }));
    expect(refusal(() => checkManualMax(4, plain, 'web in prod'))).toMatch(/outside 3\.\.3 .*no burstMax above max/);
  });
});

const now = new Date('2026-12-02T12:00:00.000Z');
const record: ScaleOverride = {
  cluster: 'eu-1',
  workload: { namespace: 'shop', kind: 'Deployment', name: 'web' },
  app: 'web',
  environment: 'prod',
  hpa: 'web',
  specMax: 4,
  max: 6,
  state: 'active',
  raisedAt: '2026-12-02T11:58:00.000Z',
  endsAt: '2026-12-02T12:58:00.000Z',
  by: 'person:ana',
  eventId: 'ev-1',
  updatedAt: '2026-12-02T11:58:00.000Z',
  version: 1,
};

describe('the override as shown', () => {
  it('active: time left to the expiry and to the end of the cooldown', () => {
    expect(overrideView(record, spec, now)).toEqual({
      state: 'active',
      max: 6,
      specMax: 4,
      by: 'person:ana',
      raisedAt: record.raisedAt,
      expiresAt: record.endsAt,
      expiresInSeconds: 3480,
      cooldownEndsAt: '2026-12-02T12:03:00.000Z',
      cooldownLeftSeconds: 180,
      revertedAt: null,
      eventId: 'ev-1',
      code: null,
      reason: null,
    });
  });
  it('reverted: no time left, the cooldown over, the last verdict kept', () => {
    const view = overrideView(
      {
        ...record,
        state: 'reverted',
        raisedAt: '2026-12-02T10:00:00.000Z',
        revertedAt: '2026-12-02T11:00:00.000Z',
        code: 'cooldown',
        reason: 'held',
      },
      spec,
      now,
    );
    expect(view).toMatchObject({ expiresInSeconds: null, cooldownLeftSeconds: 0, code: 'cooldown', reason: 'held' });
  });
  it('an expiry passed but not yet put back: due now', () => {
    expect(overrideView({ ...record, endsAt: '2026-12-02T11:59:00.000Z' }, spec, now).expiresInSeconds).toBe(0);
  });
});

const hpa = {
  namespace: 'shop',
  name: 'web',
  target: 'Deployment/web',
  minReplicas: 2,
  maxReplicas: 6,
  currentReplicas: 6,
  desiredReplicas: 6,
  conditions: [
    { type: 'AbleToScale', status: 'True' as const, reason: 'ReadyForNewScale' },
    { type: 'ScalingLimited', status: 'True' as const, reason: 'TooManyReplicas' },
  ],
};

describe('capstan scale text', () => {
  const view: ScaleView = {
    app: 'web',
    environment: 'prod',
    workload: 'shop/Deployment/web',
    spec,
    clusters: [
      {
        cluster: 'eu-1',
        override: overrideView(record, spec, now),
        live: { reachable: true, hpa: liveHpa(hpa), deployment: null },
      },
      { cluster: 'eu-2', override: null, live: { reachable: true, hpa: null, deployment: null } },
      { cluster: 'us-1', override: null, live: { reachable: false, error: 'us-1: connect ECONNREFUSED' } },
    ],
  };
  const text = renderScale(view);

  it('the spec in one line', () => {
    expect(text).toContain('web in prod (shop/Deployment/web)');
    expect(text).toContain('spec: HPA min 2 max 4 at 80% CPU; cooldown 5m; overrides up to 10 (step 2) for 1h');
  });
  it('per cluster: the live HPA with ScalingLimited, the override with time left, the cooldown', () => {
    expect(text).toMatch(
      /cluster eu-1\n {2}live: +HPA web min 2 max 6; replicas 6, desired 6; ScalingLimited True \(TooManyReplicas\)/,
    );
    expect(text).toMatch(
      /override: active, max 6 \(spec 4\) by person:ana; raised 2026-12-02 11:58:00Z, expires 2026-12-02 12:58:00Z \(in 58m\)/,
    );
    expect(text).toContain('cooldown: until 2026-12-02 12:03:00Z (3m left)');
  });
  it('no HPA and no override yet, said so', () => {
    expect(text).toMatch(/cluster eu-2\n {2}live: +no HPA in the cluster/);
    expect(text).toContain('override: none');
  });
  it('an unreachable cluster is its own block; the others are shown', () => {
    expect(text).toMatch(/cluster us-1\n {2}live: +unreachable: us-1: connect ECONNREFUSED/);
  });
  it('hpa: false: the Deployment replicas', () => {
    const plain = effectiveScaling(AutoscalingSchema.parse({ hpa: false, max: 3 }));
    const shown = renderScale({
      ...view,
      spec: plain,
      clusters: [
        {
          cluster: 'eu-1',
          override: null,
          live: { reachable: true, hpa: null, deployment: { replicas: 3, readyReplicas: 2 } },
        },
      ],
    });
    expect(shown).toContain(
      'spec: no HPA: the Deployment runs 3 replicas; cooldown 5m; no override above max (no burstMax)',
    );
    expect(shown).toContain('live:     Deployment replicas 3, 2 ready');
  });
});

describe('history of scaling', () => {
  it('the workload comes first in DETAIL', () => {
    const entry: HistoryEntry = {
      app: 'web',
      environment: 'prod',
      cluster: 'eu-1',
      workload: 'shop/Deployment/web',
      eventId: 'e1',
      eventType: 'hpa.threshold.hit',
      action: 'scale.hold',
      outcome: 'skipped',
      code: 'cooldown',
      reason: 'raised 60s ago, within the 300s cooldown',
      eventTime: '2026-12-02T12:00:00.000Z',
      receivedAt: '2026-12-02T12:00:00.000Z',
      recordedAt: '2026-12-02T12:00:01.000Z',
    };
    const [, row] = renderHistory([entry]).split('\n');
    expect(row).toMatch(/scale\.hold\s+skipped\s+cooldown\s+shop\/Deployment\/web: raised 60s ago/);
  });
});
