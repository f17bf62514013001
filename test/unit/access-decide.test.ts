import { describe, expect, it } from 'vitest';
import type { Requester } from '../../events/requester.ts';
import { decideAccess } from '../../lib/access/decide.ts';
import { parsePrincipal, parseSubject, subjectText } from '../../lib/access/syntax.ts';
import { renderAccess } from '../../lib/cli/render/access.ts';
import type { AccessQuery, AccessSnapshot, Grant, Role } from '../../lib/roles.ts';

const at = '2026-12-01T10:00:00.000Z';
const grant = (environment: string, role: Role, subject: Grant['subject']): Grant => ({
  environment,
  role,
  subject,
  grantedAt: at,
  grantedBy: 'ana',
});

// Acme's Slack grid E1 is let in; production takes commands from C1, staging from C2.
const snapshot: AccessSnapshot = {
  workspaces: [{ chat: 'slack', workspace: 'E1', name: 'Acme', allowedAt: at, allowedBy: 'ana' }],
  channels: [
    { environment: 'production', chat: 'slack', workspace: 'E1', channel: 'C1', allowedAt: at, allowedBy: 'ana' },
    { environment: 'staging', chat: 'slack', workspace: 'E1', channel: 'C2', allowedAt: at, allowedBy: 'ana' },
  ],
  grants: [
    grant('production', 'request', { kind: 'principal', principal: 'slack:E1/U1' }),
    grant('production', 'approve', { kind: 'group', chat: 'slack', workspace: 'E1', group: 'S1' }),
    grant('staging', 'rollback', { kind: 'principal', principal: 'slack:E1/U2' }),
    // The same group id in another workspace: not Acme's S1.
    grant('production', 'scale', { kind: 'group', chat: 'slack', workspace: 'E9', group: 'S1' }),
  ],
};

const slack = (user: string, workspace = 'E1'): Requester => ({ kind: 'slack', workspace, user });
const ci: Requester = {
  kind: 'ci',
  provider: 'github',
  issuer: 'https://token.actions.githubusercontent.com',
  repository: 'acme/shop',
  repositoryId: '42',
  ref: 'refs/heads/main',
  subject: 'repo:acme/shop:ref:refs/heads/main',
};

type Case = [string, Partial<AccessQuery> & { requester: Requester }, true | string];
const cases: Case[] = [
  ['workspace not allowed in', { requester: slack('U1', 'T7') }, 'foreign-workspace'],
  // A Slack Connect guest from another company: their enterprise id is not Acme's.
  ['Slack Connect user of another enterprise', { requester: slack('U1', 'E2'), channel: 'C1' }, 'foreign-workspace'],
  [
    'a Mattermost team with the same id is not the Slack grid',
    { requester: { kind: 'mattermost', workspace: 'E1', user: 'U1' } },
    'foreign-workspace',
  ],
  ['channel not allowed', { requester: slack('U1'), channel: 'C9' }, 'channel-not-allowed'],
  ['channel allowed for another environment only', { requester: slack('U1'), channel: 'C2' }, 'channel-not-allowed'],
  ['role held directly', { requester: slack('U1'), channel: 'C1' }, true],
  ['role held directly, no channel given (a vote counted later)', { requester: slack('U1') }, true],
  ['another role than the one held', { requester: slack('U1'), channel: 'C1', role: 'approve' }, 'forbidden'],
  ['role held through a group', { requester: slack('U3'), channel: 'C1', role: 'approve', groups: ['S1'] }, true],
  ['not in the group', { requester: slack('U3'), channel: 'C1', role: 'approve', groups: ['S2'] }, 'forbidden'],
  [
    'the group of another workspace',
    { requester: slack('U3'), channel: 'C1', role: 'scale', groups: ['S1'] },
    'forbidden',
  ],
  ['role held for another environment', { requester: slack('U2'), channel: 'C1', role: 'rollback' }, 'forbidden'],
  [
    '... and in that environment',
    { requester: slack('U2'), channel: 'C2', role: 'rollback', environment: 'staging' },
    true,
  ],
  ['nobody holds it', { requester: slack('U4'), channel: 'C1' }, 'forbidden'],
  ['cli always', { requester: { kind: 'cli', user: 'alice' }, role: 'approve' }, true],
  ['ingest token always', { requester: { kind: 'token' }, role: 'scale' }, true],
  ['ci always (the app spec allows it)', { requester: ci, channel: 'C9' }, true],
];

describe('decideAccess', () => {
  it.each(cases)('%s', (_, query, expected) => {
    const verdict = decideAccess(snapshot, { environment: 'production', role: 'request', ...query });
    if (expected === true) expect(verdict).toEqual({ allowed: true });
    else expect(verdict).toMatchObject({ allowed: false, code: expected });
  });

  it('says in the refusal the command that would allow it', () => {
    expect(decideAccess(snapshot, { requester: slack('U4'), environment: 'production', role: 'request' })).toEqual({
      allowed: false,
      code: 'forbidden',
      reason: 'slack:E1/U4 may not request in production (capstan access grant production request slack:E1/U4)',
    });
    const foreign = decideAccess(snapshot, {
      requester: slack('U1', 'E2'),
      environment: 'production',
      role: 'request',
    });
    expect(foreign).toMatchObject({ reason: expect.stringContaining('capstan access workspace allow slack E2') });
  });

  it('with nothing stored refuses every chat person and lets operators through', () => {
    const none: AccessSnapshot = { workspaces: [], grants: [], channels: [] };
    expect(decideAccess(none, { requester: slack('U1'), environment: 'production', role: 'request' })).toMatchObject({
      code: 'foreign-workspace',
    });
    expect(decideAccess(none, { requester: { kind: 'token' }, environment: 'production', role: 'request' })).toEqual({
      allowed: true,
    });
  });
});

describe('subject and principal syntax', () => {
  it.each([
    ['slack:T1/U1', { kind: 'principal', principal: 'slack:T1/U1' }],
    ['mattermost:team/user', { kind: 'principal', principal: 'mattermost:team/user' }],
    ['cli:alice', { kind: 'principal', principal: 'cli:alice' }],
    ['slack-group:T1/S123', { kind: 'group', chat: 'slack', workspace: 'T1', group: 'S123' }],
  ])('%s', (text, subject) => {
    expect(parseSubject(text)).toEqual({ ok: true, value: subject });
    expect(subjectText(subject as never)).toBe(text);
  });

  it.each([
    ['slack:T1', 'needs slack:<workspace>/<user>'],
    ['slack:T1/U1/x', 'needs slack:<workspace>/<user>'],
    ['slack-group:T1', 'needs slack-group:<workspace>/<group>'],
    ['cli:', 'needs cli:<user>'],
    ['ci:github:x#1', "the app spec's ci list"],
    ['token', 'needs no role'],
    ['U1', 'is not one'],
  ])('%s is refused, naming the syntax', (text, why) => {
    const parsed = parseSubject(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(why);
    if (!parsed.ok) expect(parsed.error).toContain('slack:<workspace>/<user>, mattermost:<team>/<user>, cli:<user>');
  });

  it('reads principals as requesters', () => {
    expect(parsePrincipal('slack:E1/U1')).toEqual({ ok: true, value: { kind: 'slack', workspace: 'E1', user: 'U1' } });
    expect(parsePrincipal('cli:alice')).toEqual({ ok: true, value: { kind: 'cli', user: 'alice' } });
    expect(parsePrincipal('token')).toEqual({ ok: true, value: { kind: 'token' } });
    expect(parsePrincipal('slack-group:E1/S1')).toMatchObject({ ok: false, error: expect.stringContaining('--group') });
  });
});

describe('renderAccess', () => {
  it('one line per workspace, grant and channel', () => {
    expect(
      renderAccess({ ...snapshot, grants: snapshot.grants.slice(0, 2), channels: snapshot.channels.slice(0, 1) }),
    ).toBe(`KIND       ENV         ROLE     SUBJECT            BY   AT
workspace  -           -        slack:E1 (Acme)    ana  2026-12-01 10:00:00Z
grant      production  request  slack:E1/U1        ana  2026-12-01 10:00:00Z
grant      production  approve  slack-group:E1/S1  ana  2026-12-01 10:00:00Z
channel    production  -        slack:E1/C1        ana  2026-12-01 10:00:00Z`);
  });
});
