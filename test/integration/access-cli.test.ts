import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { awsClients, freshDb } from '../support/aws.ts';
import { cliWith, writeLocalState } from '../support/cli.ts';

// `capstan access` through the real CLI (lib/cli/bin.js, a process of its own) against DynamoDB Local: a table
// of this file's own, found through a runtime state file as the CLI finds a local `capstan up`. Roles and
// channels in two environments; `access list` without --env shows both, with --env one.
const dir = mkdtempSync(join(tmpdir(), 'capstan-access-cli-'));
let stateFile: string;
const capstan = cliWith(() => stateFile);

beforeAll(async () => {
  const infra = inject('infra');
  const db = await freshDb(awsClients().ddb);
  stateFile = writeLocalState(dir, db.table, { dynamodb: infra.dynamodbEndpoint, sqs: infra.sqsEndpoint });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('capstan access list', () => {
  it('says nothing is given on an empty table', async () => {
    const { code, stdout } = await capstan('access', 'list');
    expect(code).toBe(0);
    expect(stdout).toContain('no access given');
  });

  it('without --env lists every environment; with --env that one (workspaces are for all)', async () => {
    for (const args of [
      ['workspace', 'allow', 'slack', 'T1', '--name', 'Acme'],
      ['grant', 'prod', 'approve', 'slack:T1/U1'],
      ['grant', 'staging', 'request', 'mattermost:team1/user1'],
      ['channel', 'allow', 'prod', 'slack', 'T1', 'C1'],
      ['channel', 'allow', 'staging', 'mattermost', 'team1', 'chan1'],
    ]) {
      expect((await capstan('access', ...args)).code, args.join(' ')).toBe(0);
    }

    const all = await capstan('access', 'list');
    expect(all.code).toBe(0);
    const rows = all.stdout.trim().split('\n').slice(1);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'workspace -',
      'grant prod',
      'grant staging',
      'channel prod',
      'channel staging',
    ]);
    expect(all.stdout).toContain('slack:T1 (Acme)');
    expect(all.stdout).toContain('mattermost:team1/chan1');

    const json = JSON.parse((await capstan('access', 'list', '--json')).stdout) as {
      workspaces: unknown[];
      grants: { environment: string; role: string; grantedBy: string }[];
      channels: { environment: string }[];
    };
    expect(json.workspaces).toHaveLength(1);
    expect(json.grants.map((g) => [g.environment, g.role, g.grantedBy])).toEqual([
      ['prod', 'approve', 'ana'],
      ['staging', 'request', 'ana'],
    ]);
    expect(json.channels.map((c) => c.environment)).toEqual(['prod', 'staging']);

    const one = JSON.parse((await capstan('access', 'list', '--env', 'staging', '--json')).stdout) as typeof json;
    expect(one.workspaces).toHaveLength(1);
    expect(one.grants.map((g) => g.environment)).toEqual(['staging']);
    expect(one.channels.map((c) => c.environment)).toEqual(['staging']);
  });

  it('refuses an environment that is no name, and --help says what --env does', async () => {
    const bad = await capstan('access', 'list', '--env', 'Prod!');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be a DNS-1123 label');
    const help = await capstan('access', 'list', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: capstan access list');
    expect(help.stdout).toContain('--env <env>');
  });
});
