import type { Session } from '../session.ts';
import { type Html, html } from './html.ts';
import { layout } from './layout.ts';

export const notFoundPage = (o: { session: Session; what: string }): Html =>
  layout({
    title: 'Not found',
    session: o.session,
    body: html`<h1>Not found</h1><p>${o.what}</p><p><a href="/">The fleet</a></p>`,
  });
