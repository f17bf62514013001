import { describe, expect, it } from 'vitest';
import { parseChatCommand } from '../../lib/chat/commands/grammar.ts';
import { onlyOpen } from '../../lib/chat/commands/requests.ts';
import type { ReleaseApproval } from '../../lib/store/release-approvals.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('the /capstan grammar', () => {
  it.each([
    [
      'deploy shop staging ghcr.io/acme/shop:1.2.3',
      { kind: 'deploy', app: 'shop', environment: 'staging', image: 'ghcr.io/acme/shop:1.2.3' },
    ],
    [
      `deploy shop prod ghcr.io/acme/shop@${DIGEST}`,
      { kind: 'deploy', app: 'shop', environment: 'prod', image: `ghcr.io/acme/shop@${DIGEST}` },
    ],
    [
      'deploy shop staging <http://ghcr.io/acme/shop:1|ghcr.io/acme/shop:1>',
      { kind: 'deploy', image: 'ghcr.io/acme/shop:1' },
    ],
    ['deploy shop staging --tag 1.2.3', { kind: 'deploy', app: 'shop', environment: 'staging', tag: '1.2.3' }],
    ['  deploy   shop\u00a0staging  --tag=v2 ', { kind: 'deploy', tag: 'v2' }],
    ['rollback shop prod', { kind: 'rollback', app: 'shop', environment: 'prod' }],
    ['rollback shop prod --to 4', { kind: 'rollback', app: 'shop', environment: 'prod', to: 4 }],
    ['promote shop --from staging --to prod', { kind: 'promote', app: 'shop', from: 'staging', to: 'prod' }],
    ['status shop', { kind: 'status', app: 'shop' }],
    ['history shop', { kind: 'history', app: 'shop' }],
    ['approve shop prod', { kind: 'approve', app: 'shop', environment: 'prod' }],
    ['scale shop prod --cluster dc1 --max 12', { kind: 'scale', cluster: 'dc1', max: 12 }],
    ['scale shop prod --cluster dc1 --max 12 --for 1h', { kind: 'scale', max: 12, forSeconds: 3600 }],
    ['scale shop prod --cluster dc1 --revert', { kind: 'scale', cluster: 'dc1', revert: true }],
    ['help', { kind: 'help' }],
    ['', { kind: 'help' }],
  ])('%j', (text, want) => {
    const got = parseChatCommand(text);
    expect(got).toMatchObject(want);
    expect(got).not.toHaveProperty('problem');
  });

  it.each([
    ['dance', 'unknown command "dance"'],
    ['deploy shop staging', 'an image reference or --tag'],
    ['deploy shop staging nginx:1 --tag 2', 'one of the two'],
    ['deploy Shop staging nginx:1', 'app "Shop"'],
    ['deploy shop staging NGINX', 'lowercase'],
    ['deploy shop staging --tag .bad', '--tag .bad'],
    ['deploy shop', '<env> is missing'],
    ['rollback shop prod --to zero', '--to zero'],
    ['rollback shop prod --to 0', '--to 0'],
    ['rollback shop prod --to', '--to needs a value'],
    ['rollback shop prod --to 1 --to 2', 'given twice'],
    ['rollback shop prod --tag 1', 'rollback takes no --tag'],
    ['rollback shop prod extra', 'too many words'],
    ['promote shop --from prod --to prod', 'must differ'],
    ['promote shop --from staging', '--to env'],
    ['scale shop prod --max 3', '--cluster is required'],
    ['scale shop prod --cluster dc1 --max 3 --revert', 'not both'],
    ['scale shop prod --cluster dc1 --max 5000', 'from 1 to 1000'],
    ['scale shop prod --cluster dc1 --max 3 --for 10s', 'from 1m'],
    ['scale shop prod --cluster dc1', 'scale needs'],
    ['scale shop prod --cluster DC1 --revert', 'cluster "DC1"'],
    ['status shop --force', 'unknown option --force'],
    ['status shop --revert=1', 'takes no value'],
  ])('%j is help with its problem', (text, problem) => {
    const got = parseChatCommand(text);
    expect(got.kind).toBe('help');
    expect(got.kind === 'help' && got.problem).toContain(problem);
  });
});

describe('onlyOpen: the approval "approve <app> <env>" means', () => {
  const approval = (id: string, state: ReleaseApproval['state'], image: string) =>
    ({ id, state, request: { image } }) as ReleaseApproval;
  it.each<[string, ReleaseApproval[], string]>([
    ['none open', [approval('a', 'granted', 'web:1')], 'not-found'],
    ['one open among ended ones', [approval('a', 'expired', 'web:1'), approval('b', 'open', 'web:2')], 'b'],
    [
      'two open (a sidecar beside the app): the words cannot say which',
      [approval('a', 'open', 'web:2'), approval('b', 'open', 'proxy:3')],
      'ambiguous',
    ],
  ])('%s', (_, approvals, expected) => {
    const found = onlyOpen(approvals, 'shop', 'prod');
    expect(found.ok ? found.approval.id : found.code).toBe(expected);
    if (!found.ok && found.code === 'ambiguous') expect(found.reason).toContain('web:2, proxy:3');
  });
});
