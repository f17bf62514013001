import type { ScaleOverride } from '../../store/scale-overrides.ts';
import type { MatrixRow } from '../decisions/fleet-matrix.ts';
import type { Session } from '../session.ts';
import type { FleetView } from '../use-cases/fleet.ts';
import { cell } from './cells.ts';
import { type Html, html, when } from './html.ts';
import { layout, live } from './layout.ts';

const health = (c: FleetView['clusters'][number]): Html =>
  html`<li class="cluster health-${c.health?.status ?? 'unchecked'}" title="${c.health?.message ?? ''}">${c.name} <small>wave ${c.wave}${c.health?.version ? html` · ${c.health.version}` : ''}</small></li>`;

const matrix = (env: FleetView['environments'][number], rows: readonly MatrixRow[], fleet: FleetView): Html => {
  const clusters = fleet.clusters.filter((c) => c.environment === env.name);
  const appsHere = rows.filter((r) => r.environment === env.name);
  return html`<section class="environment" data-environment="${env.name}">
<h2>${env.name}${env.protected ? html` <span class="badge">protected</span>` : ''}</h2>
<ul class="clusters">${clusters.map(health)}</ul>
${
  appsHere.length === 0
    ? html`<p class="empty">No app is released to ${env.name}.</p>`
    : html`<table class="matrix">
<thead><tr><th>app</th>${env.clusters.map((c) => html`<th>${c}</th>`)}</tr></thead>
<tbody>${appsHere.map(
        (r) =>
          html`<tr data-app="${r.app}"><th><a href="/apps/${r.app}?env=${env.name}">${r.app}</a></th>${r.cells.map((c) => cell(c, r))}</tr>`,
      )}</tbody>
</table>`
}
</section>`;
};

const overrides = (all: readonly ScaleOverride[]): Html =>
  all.length === 0
    ? html``
    : html`<section class="overrides"><h2>Scaling overrides in force</h2>
<table><thead><tr><th>app</th><th>environment</th><th>cluster</th><th>workload</th><th>ceiling</th><th>by</th><th>ends</th></tr></thead>
<tbody>${all.map(
        (o) =>
          html`<tr><td><a href="/apps/${o.app}?env=${o.environment}">${o.app}</a></td><td>${o.environment}</td><td>${o.cluster}</td><td>${o.workload.namespace}/${o.workload.name}</td><td>${o.max} <small>(spec ${o.specMax})</small></td><td>${o.by}</td><td>${when(o.endsAt)}</td></tr>`,
      )}</tbody></table></section>`;

/** `/`: the fleet matrix, apps by environment and cluster, kept up to date while it is open. */
export const fleetPage = (o: { session: Session; fleet: FleetView; overrides: readonly ScaleOverride[] }): Html =>
  layout({
    title: 'Fleet',
    section: 'fleet',
    session: o.session,
    body: html`<h1>Fleet</h1>
${live({
  id: 'matrix',
  url: '/',
  seconds: 3,
  body: html`${
    o.fleet.environments.length === 0
      ? html`<p class="empty">No cluster is registered yet: <code>capstan clusters add</code>.</p>`
      : o.fleet.environments.map((env) => matrix(env, o.fleet.rows, o.fleet))
  }
${overrides(o.overrides)}`,
})}`,
  });
