/**
 * Markup that is already safe: what `html` returns. Everything else interpolated into `html` is text and
 * escaped, so a name from the table (an app, a reason, a requester) can never become markup.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

/** One interpolated value: markup as is, a list joined, nothing for absent values, anything else escaped. */
const piece = (v: unknown): string => {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(piece).join('');
  if (v === undefined || v === null || v === false) return '';
  return esc(String(v));
};

/** A template of markup whose values are escaped unless they are markup themselves. */
export const html = (strings: TemplateStringsArray, ...values: unknown[]): Html =>
  new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? piece(values[i]) : ''), ''));

/** `2026-12-04T10:00:05.123Z` as `2026-12-04 10:00:05Z`, in a <time> a browser can read. */
export const when = (iso: string | undefined): Html =>
  iso ? html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>` : html``;

/** The first 12 hex digits of a digest: enough to tell two apart at a glance; the whole one in its title. */
export const shortDigest = (digest: string): Html =>
  html`<abbr title="${digest}">${digest.replace(/^sha256:/, '').slice(0, 12)}</abbr>`;
