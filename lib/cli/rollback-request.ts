import type { EndpointOptions } from './post-event.ts';
import { requestEvent } from './request.ts';

export interface RollbackOptions extends EndpointOptions {
  readonly env: string;
  /** The revision to bring back (default: the last release that succeeded). */
  readonly to?: number;
  readonly reason?: string;
}

/** Asks for a release that re-applies a past one: `capstan rollback`, and `capstan demo`'s third release. */
export const requestRollback = async (app: string, o: RollbackOptions, out: (line: string) => void) => {
  const answer = await requestEvent(
    'roll back',
    {
      type: 'rollback.requested',
      subject: `${app}/${o.env}`,
      data: {
        app,
        environment: o.env,
        ...(o.to !== undefined ? { toRevision: o.to } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
      },
    },
    o,
  );
  out(
    `rollback of ${app} in ${o.env}${o.to !== undefined ? ` to #${o.to}` : ''} requested (${answer.accepted}); follow it with \`capstan releases ${app} --env ${o.env}\``,
  );
};
