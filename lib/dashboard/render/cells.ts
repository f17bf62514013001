import type { ClusterRelease } from '../../store/releases.ts';
import type { Cell, CellState, Version } from '../decisions/fleet-matrix.ts';
import { type Html, html, shortDigest } from './html.ts';

const CELL_LABEL: Record<CellState, string> = {
  healthy: 'healthy',
  progressing: 'rolling out',
  failed: 'failed',
  unknown: 'unknown',
  none: 'not released',
};

/** Where a release is shown: its place in its app's page (revisions count per app and environment). */
export const releaseAnchor = (environment: string, revision: number) => `release-${environment}-${revision}`;

/** `1.4.2 3f2a9c01b7de #7`: the tag asked for, the digest that runs, the release (a link to it). */
export const version = (v: Version, o: { app: string; environment: string }): Html =>
  html`<span class="version">${v.tag ? html`<b>${v.tag}</b> ` : ''}${v.digest ? shortDigest(v.digest) : v.tag ? '' : v.image} <a class="rev" href="/apps/${o.app}?env=${o.environment}#${releaseAnchor(o.environment, v.revision)}">#${v.revision}</a></span>`;

/** A rollout's replicas while it goes on: new (updated) ones ready of wanted, and old ones left. */
export const replicas = (state: Pick<ClusterRelease, 'replicas'> | null | undefined): Html => {
  const r = state?.replicas;
  if (!r) return html``;
  return html`<span class="replicas" title="replicas: updated, available, wanted; old ones left">new ${r.updated}/${r.desired}, ${r.available} available${r.old ? html`, <b>old ${r.old}</b>` : ''}</span>`;
};

/** One cluster of the matrix: its state in colour and words, what runs, what comes, and why it failed. */
export const cell = (c: Cell, o: { app: string; environment: string }): Html =>
  html`<td class="cell state-${c.state}" data-app="${o.app}" data-environment="${o.environment}" data-cluster="${c.cluster}" data-state="${c.state}">
<span class="state">${CELL_LABEL[c.state]}</span>
${c.running ? version(c.running, o) : ''}
${c.replicas ? (c.state === 'healthy' ? html`<span class="replicas">${c.replicas.available} of ${c.replicas.desired} ready</span>` : replicas({ replicas: c.replicas })) : ''}
${c.next ? html`<span class="next">${c.state === 'failed' ? 'failed: ' : '→ '}${version(c.next, o)}</span>` : ''}
${c.reason ? html`<span class="reason">${c.code ? html`<code>${c.code}</code> ` : ''}${c.reason}</span>` : ''}
${c.rolledBackTo !== undefined ? html`<span class="rollback">rolled back to #${c.rolledBackTo}</span>` : ''}
</td>`;
