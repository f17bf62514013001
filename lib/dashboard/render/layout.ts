import type { Session } from '../session.ts';
import { type Html, html } from './html.ts';

export type Section = 'fleet' | 'healing' | 'approvals';

/**
 * htmx's settings, read from this meta element: no eval, no inline script or style (the CSP forbids them
 * anyway), and no copy of a page in sessionStorage for the back button (a fleet's state does not belong in
 * the browser's storage; going back fetches the page again). A 400 is swapped in like a 200: it is the page
 * saying which filter is wrong; any other error is not (a 401 comes with HX-Refresh instead).
 */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
  selfRequestsOnly: true,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '400', swap: true },
    { code: '[45]..', swap: false, error: true },
  ],
});

const NAV: readonly [Section, string, string][] = [
  ['fleet', '/', 'Fleet'],
  ['healing', '/healing', 'Nodes and volumes'],
  ['approvals', '/approvals', 'Approvals'],
];

/** Every page: the nav, who is signed in, the sign-out button, and the one style sheet and script. */
export const layout = (o: { title: string; section?: Section; session: Session; body: Html }): Html =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<title>${o.title} · capstan</title>
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/htmx.min.js" defer></script>
</head>
<body>
<header>
<a class="brand" href="/">capstan</a>
<nav>${NAV.map(([s, href, label]) => html`<a href="${href}"${s === o.section ? html` aria-current="page"` : ''}>${label}</a>`)}</nav>
<form class="who" method="post" action="/signout"><span>${o.session.name ?? o.session.principal}</span><button type="submit">Sign out</button></form>
</header>
<main>
${o.body}
</main>
</body>
</html>
`;

/**
 * A part of a page that keeps itself up to date: every `seconds` htmx fetches the same page and swaps in
 * this part of it (the rest, a form being filled in, stays as it is). Without script it is just the page.
 */
export const live = (o: { id: string; url: string; seconds: number; body: Html }): Html =>
  html`<section id="${o.id}" class="live" hx-get="${o.url}" hx-select="#${o.id}" hx-target="this" hx-swap="outerHTML" hx-trigger="every ${o.seconds}s">
${o.body}
</section>`;

/** What a page says to a browser without a session: how to get one, and nothing about the fleet. */
export const signedOutPage = (why: string, o: { slack: boolean }): Html =>
  html`<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · capstan</title>
<link rel="stylesheet" href="/assets/dashboard.css">
<main class="narrow">
<h1>Sign in to capstan</h1>
<p>${why}</p>
${o.slack ? html`<p><a class="button" href="/signin/slack">Sign in with Slack</a></p>` : ''}
<p><small>At a terminal with access to capstan, <code>capstan dashboard link</code> prints a one-time link.</small></p>
</main>
</html>
`;
