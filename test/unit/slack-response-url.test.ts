import { describe, expect, it } from 'vitest';
import { responseUrlAllowed } from '../../lib/chat/slack/response-url.ts';

describe('responseUrlAllowed: only Slack hooks hosts, or the configured stand-in', () => {
  it.each<[string, string, string | undefined, boolean]>([
    ['a commercial Slack response_url', 'https://hooks.slack.com/actions/T1/1/abc', undefined, true],
    ['a GovSlack one', 'https://hooks.slack-gov.com/commands/T1/1/abc', undefined, true],
    ['plain http', 'http://hooks.slack.com/actions/T1/1/abc', undefined, false],
    ['another port', 'https://hooks.slack.com:8443/actions/T1/1/abc', undefined, false],
    ['a look-alike host', 'https://hooks.slack.com.evil.io/actions', undefined, false],
    ['a subdomain trick', 'https://evil.io/hooks.slack.com', undefined, false],
    ['the metadata service', 'http://169.254.169.254/latest/meta-data/', undefined, false],
    ['not a URL', 'hooks.slack.com/actions', undefined, false],
    ['the stand-in, when configured', 'http://127.0.0.1:4555/response/x', 'http://127.0.0.1:4555/api/', true],
    [
      'another loopback port than the stand-in',
      'http://127.0.0.1:4556/response/x',
      'http://127.0.0.1:4555/api/',
      false,
    ],
    ['a stand-in setting that is no URL', 'http://127.0.0.1:4555/response/x', 'nonsense', false],
  ])('%s', (_, url, standIn, allowed) => {
    expect(responseUrlAllowed(url, standIn)).toBe(allowed);
  });
});
