import type { ApprovalView } from '../../approvals/render/approval-view.ts';
import type { ClusterRelease } from '../../store/releases.ts';
import { failedThere } from '../decisions/failed-there.ts';
import type { ReleaseView, WaveView } from '../decisions/release-progress.ts';
import type { Session } from '../session.ts';
import type { AppEnvironmentView, AppView } from '../use-cases/app.ts';
import { cell, releaseAnchor, replicas, version } from './cells.ts';
import { type Html, html, when } from './html.ts';
import { layout, live } from './layout.ts';

const WAVE_LABEL: Record<WaveView['state'], string> = {
  ready: 'ready',
  failed: 'failed',
  progressing: 'rolling out',
  waiting: 'waiting',
  'not-reached': 'not reached',
  unknown: 'unknown',
};

/** What a cluster's part of a wave says, in words: `ready`, `apply failed`, `retrying` (an apply to try again)… */
const clusterWords = (s: ClusterRelease | null, inFlight: boolean): string => {
  if (!s) return 'not yet';
  if (s.apply === 'failed') return inFlight ? 'retrying' : 'apply failed';
  return s.rollout;
};

const wave = (w: WaveView, inFlight: boolean): Html =>
  html`<li class="wave state-${w.state}" data-wave="${w.index}" data-state="${w.state}">
<span class="label">wave ${w.index + 1}: ${WAVE_LABEL[w.state]}</span>
<ul>${w.clusters.map((c) => {
    // A cluster's message is its failure's reason, or the rollout's last word (`3 of 3 replicas available`).
    const failed = c.state !== null && failedThere(c.state, inFlight);
    return html`<li class="wave-cluster rollout-${c.state?.rollout ?? 'none'}${failed ? ' failed' : ''}" data-cluster="${c.cluster}" data-rollout="${c.state?.rollout ?? 'none'}">
<b>${c.cluster}</b> ${clusterWords(c.state, inFlight)}
${replicas(c.state)}
${c.state?.message ? html`<span class="${failed ? 'reason' : 'note'}">${c.state.code ? html`<code>${c.state.code}</code> ` : ''}${c.state.message}</span>` : ''}
</li>`;
  })}</ul>
</li>`;

const release = (r: ReleaseView): Html =>
  html`<li class="release status-${r.status}" id="${releaseAnchor(r.environment, r.revision)}" data-revision="${r.revision}" data-status="${r.status}">
<header><span class="status">${r.status}</span> ${version(r.version, r)}
${r.rollbackOf !== undefined ? html`<span class="rollback">rollback to #${r.rollbackOf}</span>` : ''}
<small>${when(r.createdAt)}${r.requestedBy ? html` · by ${r.requestedBy}` : ''}${r.reason ? html` · ${r.reason}` : ''}</small></header>
${r.statusReason ? html`<p class="reason"><code>${r.statusReason.code}</code> ${r.statusReason.reason}</p>` : ''}
<ol class="waves">${r.waveProgress.map((w) => wave(w, r.status === 'applying' || r.status === 'progressing'))}</ol>
</li>`;

const approval = (a: ApprovalView): Html =>
  html`<li class="approval" data-request="${a.id}">${a.images.join(', ')}: ${a.approvals} of ${a.required} approvals, asked by ${a.requester}, due ${when(a.dueAt)}.
<code>capstan approve ${a.app} --env ${a.environment}</code></li>`;

const environment = (app: string, e: AppEnvironmentView): Html =>
  html`<section class="environment" data-environment="${e.environment}">
<h2>${e.environment}</h2>
<table class="matrix"><thead><tr>${e.row.cells.map((c) => html`<th>${c.cluster}</th>`)}</tr></thead>
<tbody><tr data-app="${app}">${e.row.cells.map((c) => cell(c, e.row))}</tr></tbody></table>
${e.approvals.length ? html`<h3>Waiting for approval</h3><ul class="approvals">${e.approvals.map(approval)}</ul>` : ''}
<h3>Releases</h3>
${e.releases.length ? html`<ol class="timeline">${e.releases.map(release)}</ol>` : html`<p class="empty">No release yet.</p>`}
</section>`;

/**
 * `/apps/{name}`: per environment (or the one `?env=` names) what runs on each cluster and the release
 * timeline, its waves and clusters filling in as rollout checks land; the history below, filtered.
 */
export const appPage = (o: {
  session: Session;
  app: AppView;
  url: string;
  environments: readonly string[];
  env?: string | undefined;
  /** The history section; absent for a live section's poll, which only takes the releases. */
  history?: Html | undefined;
}): Html =>
  layout({
    title: o.app.name,
    session: o.session,
    body: html`<h1>${o.app.name}</h1>
<nav class="tabs"><a href="/apps/${o.app.name}"${o.env ? '' : html` aria-current="page"`}>every environment</a>${o.environments.map(
      (env) =>
        html`<a href="/apps/${o.app.name}?env=${env}"${env === o.env ? html` aria-current="page"` : ''}>${env}</a>`,
    )}</nav>
${live({ id: 'releases', url: o.url, seconds: 2, body: html`${o.app.environments.map((e) => environment(o.app.name, e))}` })}
${o.history}`,
  });
