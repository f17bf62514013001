/** Slack's emoji codes capstan's answers use, as the characters Teams shows (it has no `:code:` syntax). */
const EMOJI: Readonly<Record<string, string>> = { ':no_entry:': '⛔', ':white_check_mark:': '✅' };

/**
 * capstan's chat answers (written in Slack's mrkdwn, lib/chat/commands/read.ts) as a Teams message's text,
 * which Teams reads as markdown with some HTML: `<` and `>` escaped so nothing from the table (an image, a
 * name) is read as markup, `*bold*` as `**bold**`, emoji codes as characters, and each line a paragraph of
 * its own (Teams joins lines a single newline separates; blank lines add nothing). Backticks mean code in both.
 */
export const teamsMarkdown = (text: string): string =>
  text
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/:[a-z_]+:/g, (code) => EMOJI[code] ?? code)
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/gm, '$1**$2**')
    .split(/\n+/)
    .join('\n\n');

/** What Teams shows in reply: a message activity (the only kind an outgoing webhook may answer with). */
export const teamsMessage = (text: string): { type: 'message'; text: string } => ({
  type: 'message',
  text: teamsMarkdown(text),
});
