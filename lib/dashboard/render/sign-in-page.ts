/** HTML-escapes what goes into the page: names come from the table, never trusted as markup. */
const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/**
 * The page a sign-in link opens: who it signs in, and a button. Opening the link signs nobody in, so a chat
 * or mail preview that fetches it spends nothing; the button POSTs the ticket from this page's own origin.
 * No script, no style sheet: the page's CSP allows nothing but the form's post to itself.
 */
export const signInPage = (o: { readonly ticket: string; readonly principal: string; readonly name?: string }) =>
  [
    '<!doctype html>',
    '<html lang="en">',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Sign in to capstan</title>',
    '<h1>Sign in to capstan</h1>',
    `<p>This link signs in <strong>${esc(o.name ?? o.principal)}</strong> (${esc(o.principal)}), once.</p>`,
    '<form method="post" action="/signin">',
    `<input type="hidden" name="ticket" value="${esc(o.ticket)}">`,
    '<button type="submit">Sign in</button>',
    '</form>',
    '</html>',
  ].join('\n');

/** What a link that signs in nobody shows. */
export const signInRefusedPage = (reason: string) =>
  [
    '<!doctype html>',
    '<html lang="en">',
    '<meta charset="utf-8">',
    '<title>Sign-in link refused</title>',
    '<h1>This sign-in link does not work</h1>',
    `<p>${esc(reason)}</p>`,
    '</html>',
  ].join('\n');

/**
 * What a sign-in through Slack ends on: who is signed in, and a move to the fleet made by this page itself
 * (a meta refresh, which the CSP allows: it runs no script), so the new Strict cookie goes with it.
 */
export const signedInPage = (o: { readonly principal: string; readonly name?: string }) =>
  [
    '<!doctype html>',
    '<html lang="en">',
    '<meta charset="utf-8">',
    '<meta http-equiv="refresh" content="0; url=/">',
    '<title>Signed in to capstan</title>',
    '<h1>Signed in</h1>',
    `<p>You are signed in as <strong>${esc(o.name ?? o.principal)}</strong> (${esc(o.principal)}).</p>`,
    '<p><a href="/">Go to the fleet</a></p>',
    '</html>',
  ].join('\n');
