import type { NodeHeal } from '../../store/heals.ts';
import type { ImageHeal } from '../../store/image-heals.ts';
import type { Session } from '../session.ts';
import type { HealingView } from '../use-cases/healing.ts';
import { type Html, html, when } from './html.ts';
import { layout, live } from './layout.ts';

const node = (h: NodeHeal, active: boolean): Html =>
  html`<tr class="phase-${h.phase}${active ? ' active' : ''}" data-node="${h.node}" data-phase="${h.phase}">
<td>${h.cluster}</td><td>${h.node}</td><td class="phase">${h.phase}</td><td>${h.mode}</td>
<td>${when(h.suspectedAt)}</td><td>${when(h.fencedAt)}</td><td>${when(h.restoredAt)}</td><td>${when(h.updatedAt)}</td>
<td><code>capstan heal show ${h.cluster} ${h.node}</code></td>
</tr>`;

const image = (h: ImageHeal, active: boolean): Html =>
  html`<tr class="phase-${h.phase}${active ? ' active' : ''}" data-image="${h.pool}/${h.image}" data-phase="${h.phase}">
<td>${h.cluster}</td><td>${h.pool}/${h.image}</td><td>${h.persistentVolume}</td><td>${h.holderNode}</td>
<td>${h.requester.namespace}/${h.requester.pod}</td><td class="phase">${h.phase}</td>
<td>${h.code ? html`<code>${h.code}</code> ` : ''}${h.reason ?? ''}</td><td>${when(h.updatedAt)}</td>
</tr>`;

/** `/healing`: the nodes capstan fences or fenced, and the RBD images it frees, live. */
export const healingPage = (o: {
  session: Session;
  healing: HealingView;
  active: { node: (h: NodeHeal) => boolean; image: (h: ImageHeal) => boolean };
}): Html =>
  layout({
    title: 'Nodes and volumes',
    section: 'healing',
    session: o.session,
    body: html`<h1>Nodes and volumes</h1>
${live({
  id: 'healing',
  url: '/healing',
  seconds: 5,
  body: html`<h2>Nodes</h2>
${
  o.healing.nodes.length
    ? html`<table class="heals"><thead><tr><th>cluster</th><th>node</th><th>phase</th><th>mode</th><th>suspected</th><th>fenced</th><th>restored</th><th>updated</th><th>more</th></tr></thead>
<tbody>${o.healing.nodes.map((h) => node(h, o.active.node(h)))}</tbody></table>`
    : html`<p class="empty">No node was ever found lost.</p>`
}
<h2>RBD images</h2>
${
  o.healing.images.length
    ? html`<table class="heals"><thead><tr><th>cluster</th><th>image</th><th>volume</th><th>held by</th><th>wanted by</th><th>phase</th><th>why</th><th>updated</th></tr></thead>
<tbody>${o.healing.images.map((h) => image(h, o.active.image(h)))}</tbody></table>`
    : html`<p class="empty">No image was ever held by a lost node.</p>`
}`,
})}`,
  });
