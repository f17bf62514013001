import { describe, expect, it } from 'vitest';
import { OpsNotifyEventSchema } from '../../events/ops-notify.ts';
import { healNotice } from '../../lib/heal/render/notices.ts';
import { opsNotice } from '../../lib/notify/ops-event.ts';
import { renderOpsMessage } from '../../lib/notify/render-ops.ts';
import { tellVia } from '../../lib/notify/tell.ts';
import { scaleNotice } from '../../lib/scale/render/notices.ts';

const place = {
  cluster: 'eu-1',
  environment: 'production',
  node: 'worker-3',
  at: '2026-12-04T10:00:00.000Z',
  cause: 'evt-1',
};

describe('healNotice: the steps people are told of', () => {
  it.each([
    ['heal.start', 'skipped', 'observe-mode', 'node-lost'],
    ['heal.start', 'pending', 'awaiting-approval', 'node-awaiting-approval'],
    ['heal.fenced', 'succeeded', undefined, 'node-fenced'],
    ['heal.fence', 'failed', 'fence-stalled', 'node-fence-failed'],
    ['heal.recover', 'skipped', 'node-returned', 'node-returned'],
    ['heal.fence', 'skipped', 'node-returned', 'node-returned'],
    ['heal.restored', 'succeeded', undefined, 'node-restored'],
    ['heal.end', 'skipped', 'node-absent', 'node-deleted'],
    ['heal.fence', 'skipped', 'node-absent', 'node-deleted'],
    ['heal.recover', 'skipped', 'node-absent', 'node-deleted'],
    ['rbd.free', 'succeeded', undefined, 'image-freed'],
    ['rbd.verdict', 'refused', 'holder-alive', 'image-not-freed'],
  ])('%s %s %s tells %s', (action, outcome, code, what) => {
    const notice = healNotice({ action, outcome, ...(code ? { code } : {}), reason: 'why' }, place);
    expect(notice).toMatchObject({ what, cluster: 'eu-1', node: 'worker-3', environment: 'production' });
    expect(notice?.code).toBe(code);
  });

  it.each([
    ['heal.start', 'accepted', undefined],
    ['heal.cordon', 'configured', undefined],
    ['heal.taint', 'configured', undefined],
    ['heal.prove', 'skipped', 'lease-fresh'],
    ['heal.recover', 'skipped', 'not-back'],
    ['heal.recover', 'progressing', undefined],
    ['rbd.verdict', 'succeeded', undefined],
    ['rbd.verdict', 'skipped', 'holder-alive'],
    ['rbd.unlock', 'configured', undefined],
  ])('%s %s %s stays in the history only', (action, outcome, code) => {
    expect(healNotice({ action, outcome, ...(code ? { code } : {}) }, place)).toBeUndefined();
  });

  it('keeps the image and leaves out an environment the cluster has none of', () => {
    const { environment: _, ...bare } = place;
    const notice = healNotice({ action: 'rbd.free', outcome: 'succeeded' }, { ...bare, image: 'rbd/pvc-1' });
    expect(notice).toMatchObject({ image: 'rbd/pvc-1', reason: 'rbd.free' });
    expect(notice).not.toHaveProperty('environment');
  });
});

describe('scaleNotice: raises, reverts and refusals', () => {
  const at = { app: 'api', environment: 'production', cluster: 'eu-1', workload: 'shop/Deployment/api' };
  const details = { from: 5, to: 10, endsAt: '2026-12-04T11:00:00.000Z', by: 'alert:HighLatency', quotaRoom: 3 };

  it.each([
    ['scale.raise', 'configured', 'scale-raised'],
    ['scale.raise', 'unchanged', 'scale-raised'],
    ['scale.revert', 'configured', 'scale-reverted'],
    ['scale.revert', 'unchanged', 'scale-reverted'],
    ['scale.refuse', 'refused', 'scale-refused'],
  ])('%s %s tells %s', (action, outcome, what) => {
    const notice = scaleNotice({ action, outcome, reason: 'busy', details }, { ...at, ...place });
    expect(notice).toMatchObject({ what, app: 'api', workload: 'shop/Deployment/api', from: 5, to: 10 });
    expect(notice?.by).toBe('alert:HighLatency');
  });

  it('gives a raise its end and a revert none', () => {
    const raise = scaleNotice({ action: 'scale.raise', outcome: 'configured', details }, { ...at, ...place });
    const revert = scaleNotice({ action: 'scale.revert', outcome: 'configured', details }, { ...at, ...place });
    expect(raise?.until).toBe(details.endsAt);
    expect(revert).not.toHaveProperty('until');
  });

  it.each([
    ['scale.hold', 'skipped'],
    ['scale.wait', 'pending'],
    ['scale.ignore', 'skipped'],
    ['scale.raise', 'failed'],
  ])('%s %s stays in the history only', (action, outcome) => {
    expect(scaleNotice({ action, outcome }, { ...at, ...place })).toBeUndefined();
  });

  it('tells nothing of a step about no cluster, and drops details that are not what they claim', () => {
    const { cluster: _, ...nowhere } = { ...at, ...place };
    expect(scaleNotice({ action: 'scale.refuse', outcome: 'refused' }, nowhere)).toBeUndefined();
    const odd = { from: -1, to: 2.5, by: 7, endsAt: '' };
    const notice = scaleNotice({ action: 'scale.raise', outcome: 'configured', details: odd }, { ...at, ...place });
    expect(notice).not.toHaveProperty('from');
    expect(notice).not.toHaveProperty('to');
    expect(notice).not.toHaveProperty('by');
    expect(notice).not.toHaveProperty('until');
  });
});

describe('opsNotice: one event per step, whatever the redelivery', () => {
  const fenced = healNotice({ action: 'heal.fenced', outcome: 'succeeded', reason: 'fenced' }, place);

  it('is a valid ops.notify whose id is the step, not the time', () => {
    if (!fenced) throw new Error('expected a notice');
    const first = opsNotice(fenced, new Date('2026-12-04T10:00:00Z'));
    const again = opsNotice({ ...fenced, at: '2026-12-04T10:05:00.000Z' }, new Date('2026-12-04T10:05:00Z'));
    expect(OpsNotifyEventSchema.parse(first).data.what).toBe('node-fenced');
    expect(again.id).toBe(first.id);
    const other = opsNotice({ ...fenced, cause: 'evt-2' }, new Date('2026-12-04T10:00:00Z'));
    expect(other.id).not.toBe(first.id);
    const image = opsNotice({ ...fenced, what: 'image-freed', image: 'rbd/a' }, new Date());
    expect(image.id).not.toBe(first.id);
  });
});

describe('tellVia: best effort, never failing the step', () => {
  const notice = opsNotice(
    { what: 'node-fenced', cluster: 'eu-1', node: 'w1', reason: 'r', at: place.at, cause: 'c' },
    new Date(place.at),
  );

  it('sends a valid notice', async () => {
    const sent: unknown[] = [];
    await tellVia(
      async (e) => void sent.push(e),
      () => expect.fail('no warning'),
    )(notice);
    expect(sent).toEqual([notice]);
  });

  it('logs a queue that refuses it, or a notice that does not fit the schema, and resolves', async () => {
    const warnings: string[] = [];
    const warn = (m: string, f: Record<string, unknown>) => void warnings.push(`${m} ${JSON.stringify(f)}`);
    await tellVia(() => Promise.reject(new Error('throttled')), warn)(notice);
    const sent: unknown[] = [];
    const broken = { ...notice, data: { ...notice.data, until: 'soon' } };
    await tellVia(async (e) => void sent.push(e), warn)(broken);
    expect(sent).toEqual([]);
    expect(warnings[0]).toContain('notice not sent');
    expect(warnings[0]).toContain('throttled');
    expect(warnings[1]).toContain('does not fit ops.notify');
  });
});

describe('renderOpsMessage', () => {
  const text = (m: ReturnType<typeof renderOpsMessage>) => JSON.stringify(m.blocks);

  it.each([
    ['node-lost', { node: 'w1' }, 'Lost: node w1 of eu-1 (production) (observe mode: nothing done)'],
    ['node-awaiting-approval', { node: 'w1' }, 'capstan heal approve eu-1 w1'],
    ['node-fenced', { node: 'w1' }, 'Fenced: node w1 of eu-1 (production)'],
    ['node-fence-failed', { node: 'w1' }, 'Fencing failed: node w1'],
    ['node-returned', { node: 'w1' }, 'Back: node w1 of eu-1 (production), before it was fenced'],
    ['node-restored', { node: 'w1' }, 'Restored: node w1 of eu-1 (production)'],
    ['node-deleted', { node: 'w1' }, 'Ended: node w1 of eu-1 (production) was deleted while it was being healed'],
    ['image-freed', { node: 'w1', image: 'rbd/pvc-1' }, 'Freed: RBD image rbd/pvc-1 held by node w1'],
    ['image-not-freed', { node: 'w1', image: 'rbd/pvc-1' }, 'Not freed: RBD image rbd/pvc-1'],
    [
      'scale-raised',
      { app: 'api', workload: 'shop/Deployment/api', from: 5, to: 10 },
      "api's shop/Deployment/api in eu-1 (production): ceiling raised from 5 to 10",
    ],
    [
      'scale-reverted',
      { workload: 'shop/Deployment/api', from: 10, to: 5 },
      'shop/Deployment/api in eu-1 (production): ceiling put back from 10 to 5',
    ],
    [
      'scale-refused',
      { workload: 'shop/Deployment/api' },
      'shop/Deployment/api in eu-1 (production): ceiling not changed',
    ],
  ] as const)('%s reads "%s"', (what, extra, headline) => {
    const m = renderOpsMessage({
      what,
      cluster: 'eu-1',
      environment: 'production',
      reason: 'r',
      at: place.at,
      cause: 'c',
      ...extra,
    });
    expect(m.text).toContain(headline);
  });

  it('links the history on the dashboard and always gives the CLI command', () => {
    const node = {
      what: 'node-fenced',
      cluster: 'eu-1',
      environment: 'production',
      node: 'w1',
      reason: 'r',
      at: place.at,
      cause: 'c',
    } as const;
    expect(text(renderOpsMessage(node))).toContain('`capstan heal show eu-1 w1`');
    expect(text(renderOpsMessage(node))).not.toContain('History>');
    const linked = text(renderOpsMessage(node, { publicUrl: 'https://capstan.example/' }));
    expect(linked).toContain('<https://capstan.example/apps/_nodes?env=production&cluster=eu-1|History>');
    const image = text(renderOpsMessage({ ...node, what: 'image-freed', image: 'rbd/pvc-1' }));
    expect(image).toContain('`capstan heal show eu-1 rbd/pvc-1`');
    const scale = {
      what: 'scale-raised',
      cluster: 'eu-1',
      environment: 'production',
      app: 'api',
      reason: 'r',
      at: place.at,
      cause: 'c',
      by: 'alert:High',
    } as const;
    expect(text(renderOpsMessage(scale))).toContain(
      '`capstan history api --env production --cluster eu-1 --action scale`',
    );
    expect(text(renderOpsMessage(scale))).toContain('by alert:High');
  });

  it('escapes what comes from outside (a reason with Slack markup)', () => {
    const m = renderOpsMessage({
      what: 'scale-refused',
      cluster: 'eu-1',
      reason: '<!channel> & <https://x|y>',
      at: place.at,
      cause: 'c',
    });
    expect(text(m)).not.toContain('<!channel>');
    expect(text(m)).toContain('&lt;!channel&gt; &amp;');
  });
});
