import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  alertmanagerHookToken,
  gitlabHookToken,
  hookSecret,
  kubernetesHookToken,
} from '../../../lib/ingest/hook-secret.ts';
import type { Credential } from './route-spec.ts';

export interface Secrets {
  /** The ingest token: `/events`' credential, and what every hook secret is derived from. */
  readonly token: string;
  readonly hook: (producer: 'distribution' | 'harbor' | 'dockerhub' | 'ghcr') => string;
  /** A cluster's kubernetes-event-exporter token. */
  readonly kubernetes: (cluster: string) => string;
  /** Alertmanager's webhook receiver token. */
  readonly alertmanager: string;
  /** The Slack app's signing secret the edge's chat function holds (its chat secret). */
  readonly slack: string;
  /** Mattermost's slash command token (26 characters, as Mattermost makes them) and capstan's button MAC key. */
  readonly mattermost: { readonly commandToken: string; readonly actionKey: string };
  /**
   * Teams' outgoing webhook security tokens, as Teams shows them (base64 of 32 bytes): two, as for two teams
   * that each added the webhook, so a request signed with either passes.
   */
  readonly teams: readonly [string, string];
  /** A GitLab project's webhook secret token (X-Gitlab-Token), by its numeric id. */
  readonly gitlab: (project: string) => string;
}

export const secretsOf = (token: string): Secrets => ({
  token,
  hook: (producer) => hookSecret(token, producer),
  kubernetes: (cluster) => kubernetesHookToken(token, cluster),
  alertmanager: alertmanagerHookToken(token),
  slack: hmacHex(token, 'slack-signing-secret'),
  mattermost: {
    commandToken: hmacHex(token, 'mattermost-command-token').slice(0, 26),
    actionKey: hmacHex(token, 'mattermost-action-key'),
  },
  teams: [teamsToken(token, 'teams-security-token-1'), teamsToken(token, 'teams-security-token-2')],
  gitlab: (project) => gitlabHookToken(token, project),
});

const teamsToken = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('base64');

export const hmacHex = (secret: string, data: Buffer | string) =>
  createHmac('sha256', secret).update(data).digest('hex');

/** The secret with one character changed: as close to right as a wrong secret gets. */
export const almost = (secret: string) => `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;

const header = (path: string, headers: Record<string, string>) => () => ({ headers, path });

/** `Authorization` values that are wrong for a route whose bearer secret is `secret`; `others` are other routes'. */
export const badAuthorizations = (path: string, secret: string, others: readonly string[]): fc.Arbitrary<Credential> =>
  fc.oneof(
    fc.constant({ note: 'no Authorization', apply: header(path, {}) }),
    fc.constantFrom(...others).map((other) => ({
      note: "another route's secret",
      apply: header(path, { authorization: `Bearer ${other}` }),
    })),
    fc.constant({
      note: 'secret off by one character',
      apply: header(path, { authorization: `Bearer ${almost(secret)}` }),
    }),
    fc.constant({ note: 'secret with a suffix', apply: header(path, { authorization: `Bearer ${secret}x` }) }),
    fc.constant({
      note: 'Basic scheme',
      apply: header(path, { authorization: `Basic ${Buffer.from(`capstan:${secret}`).toString('base64')}` }),
    }),
    fc.constantFrom('Bearer', 'Bearer ', 'Bearer  ', '', 'null').map((value) => ({
      note: `Authorization ${JSON.stringify(value)}`,
      apply: header(path, { authorization: value }),
    })),
    // Past node's 16 KiB header limit: refused before any handler runs (431).
    fc.constant({
      note: 'a 20 KB token',
      apply: header(path, { authorization: `Bearer ${'x'.repeat(20_000)}` }),
      expect: [431],
    }),
    fc.stringMatching(/^[A-Za-z0-9._~+/=-]{1,64}$/).map((random) => ({
      note: 'random token',
      apply: header(path, { authorization: `Bearer ${random}` }),
    })),
  );

/** `Authorization: Bearer <secret>` as operators and CI write it (any scheme case, extra blanks). */
export const bearer = (path: string, secret: string): fc.Arbitrary<Credential> =>
  fc.constantFrom('Bearer ', 'bearer ', 'BEARER ', 'Bearer   ', '  Bearer ').map((scheme) => ({
    note: `Authorization "${scheme.trim()}" scheme`,
    apply: header(path, { authorization: `${scheme}${secret}` }),
  }));
