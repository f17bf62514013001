import type { ApprovalView } from '../../approvals/render/approval-view.ts';
import type { Session } from '../session.ts';
import { type Html, html, when } from './html.ts';
import { layout, live } from './layout.ts';

const row = (a: ApprovalView): Html =>
  html`<tr data-request="${a.id}"><td><a href="/apps/${a.app}?env=${a.environment}">${a.app}</a></td><td>${a.environment}</td>
<td>${a.images.join(', ')}</td><td>${a.approvals} of ${a.required}</td><td>${a.requester}</td><td>${when(a.openedAt)}</td><td>${when(a.dueAt)}</td>
<td><code>capstan approve ${a.app} --env ${a.environment}</code></td></tr>`;

/**
 * `/approvals`: every release waiting for approval. The dashboard only reads: votes are cast where the
 * voter is known (chat, or the CLI line shown).
 */
export const approvalsPage = (o: { session: Session; approvals: readonly ApprovalView[] }): Html =>
  layout({
    title: 'Approvals',
    section: 'approvals',
    session: o.session,
    body: html`<h1>Waiting for approval</h1>
${live({
  id: 'approvals',
  url: '/approvals',
  seconds: 5,
  body: o.approvals.length
    ? html`<table class="approvals"><thead><tr><th>app</th><th>environment</th><th>images</th><th>approvals</th><th>asked by</th><th>opened</th><th>due</th><th>to approve</th></tr></thead>
<tbody>${o.approvals.map(row)}</tbody></table>`
    : html`<p class="empty">Nothing is waiting for approval.</p>`,
})}`,
  });
