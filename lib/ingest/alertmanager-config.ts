import { stringify } from 'yaml';
import { ALERTNAME_MATCHER } from '../sources/alertmanager.ts';

const RECEIVER = 'capstan';

/**
 * What an operator pastes into alertmanager.yml: a child route sending capstan the alerts it scales on
 * (`continue: true`, so the alerts still reach the receivers they reach today), and the webhook receiver with
 * the route's bearer token and `send_resolved: true` (a resolve is what puts an override back). `max_alerts: 0`
 * sends the whole group: capstan takes each alert on its own, and a truncated one would never be seen.
 */
export const alertmanagerConfig = (o: { url: string; token: string }) =>
  stringify({
    route: { routes: [{ receiver: RECEIVER, matchers: [ALERTNAME_MATCHER], continue: true }] },
    receivers: [
      {
        name: RECEIVER,
        webhook_configs: [
          {
            url: o.url,
            send_resolved: true,
            max_alerts: 0,
            http_config: { authorization: { type: 'Bearer', credentials: o.token } },
          },
        ],
      },
    ],
  });
