/** The hosts Slack's response_urls live on (commercial and GovSlack). */
const SLACK_HOSTS = new Set(['hooks.slack.com', 'hooks.slack-gov.com']);

/**
 * Whether capstan may POST to a response_url: https on Slack's own hooks hosts, or the local Slack stand-in's
 * origin (CAPSTAN_SLACK_API_URL) when one is configured. The URL comes from a signed request already; this
 * keeps a bug elsewhere (or a stand-in left configured) from turning the edge into a proxy to anywhere.
 */
export const responseUrlAllowed = (url: string, standInApiUrl?: string): boolean => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'https:' && SLACK_HOSTS.has(parsed.hostname) && parsed.port === '') return true;
  if (!standInApiUrl) return false;
  try {
    return parsed.origin === new URL(standInApiUrl).origin;
  } catch {
    return false;
  }
};
