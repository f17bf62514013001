import type { HistoryEntry } from '../../store/history.ts';
import { type Html, html, when } from './html.ts';

/** The filters a history form shows, as given (the query string), and the choices of its selects. */
export interface HistoryForm {
  /** Where the form goes: the page it is on. */
  readonly action: string;
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly environments: readonly string[];
  readonly clusters: readonly string[];
  readonly outcomes: readonly string[];
}

const options = (name: string, choices: readonly string[], value: string | undefined, any: string) =>
  html`<select name="${name}" id="filter-${name}"><option value="">${any}</option>${choices.map(
    (c) => html`<option value="${c}"${c === value ? html` selected` : ''}>${c}</option>`,
  )}</select>`;

/**
 * A plain GET form (it works without script); with htmx it is boosted: the page is fetched and swapped in
 * without a reload and the address bar keeps the filters, so a filtered history is a link to share.
 */
const filters = (f: HistoryForm): Html =>
  html`<form class="filters" method="get" action="${f.action}" hx-boost="true" hx-push-url="true">
<label>environment ${options('env', f.environments, f.values.env, 'any')}</label>
<label>cluster ${options('cluster', f.clusters, f.values.cluster, 'any')}</label>
<label>action <input name="action" id="filter-action" value="${f.values.action ?? ''}" placeholder="rollout or scale.raise" size="10"></label>
<label>outcome ${options('outcome', f.outcomes, f.values.outcome, 'any')}</label>
<label>since <input type="date" name="since" id="filter-since" value="${f.values.since ?? ''}"></label>
<label>until <input type="date" name="until" id="filter-until" value="${f.values.until ?? ''}"></label>
<button type="submit">Filter</button>
</form>`;

const row = (e: HistoryEntry): Html =>
  html`<tr class="outcome-${e.outcome}" data-action="${e.action}" data-outcome="${e.outcome}">
<td>${when(e.receivedAt)}</td><td>${e.environment ?? ''}</td><td>${e.cluster ?? ''}</td><td>${e.revision !== undefined ? `#${e.revision}` : ''}</td>
<td>${e.action}</td><td class="outcome">${e.outcome}</td><td>${e.code ? html`<code>${e.code}</code> ` : ''}${e.reason ?? ''}</td><td>${e.by ?? ''}</td>
</tr>`;

/** The history under its filters, newest first, with a link to the next page when there is one. */
export const historySection = (o: {
  form: HistoryForm;
  entries: readonly HistoryEntry[];
  next?: string | undefined;
  issues?: readonly string[] | undefined;
}): Html =>
  html`<section id="history">
<h2>History</h2>
${filters(o.form)}
${o.issues?.length ? html`<p class="error" role="alert">These filters do not work: ${o.issues.join('; ')}</p>` : ''}
${
  o.entries.length === 0
    ? html`<p class="empty">Nothing recorded under these filters.</p>`
    : html`<table class="history"><thead><tr><th>received</th><th>environment</th><th>cluster</th><th>release</th><th>action</th><th>outcome</th><th>why</th><th>by</th></tr></thead>
<tbody>${o.entries.map(row)}</tbody></table>`
}
${o.next ? html`<p><a class="older" href="${o.next}">Older entries</a></p>` : ''}
</section>`;
