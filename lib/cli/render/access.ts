import { subjectText } from '../../access/syntax.ts';
import type { AccessSnapshot } from '../../roles.ts';
import { renderTable, stamp } from '../format.ts';

/** Workspaces allowed in, then each environment's grants and channels, one line each. */
export const renderAccess = (s: AccessSnapshot): string =>
  renderTable(
    ['KIND', 'ENV', 'ROLE', 'SUBJECT', 'BY', 'AT'],
    [
      ...s.workspaces.map((w) => [
        'workspace',
        '-',
        '-',
        `${w.chat}:${w.workspace}${w.name ? ` (${w.name})` : ''}`,
        w.allowedBy,
        stamp(w.allowedAt),
      ]),
      ...s.grants.map((g) => ['grant', g.environment, g.role, subjectText(g.subject), g.grantedBy, stamp(g.grantedAt)]),
      ...s.channels.map((c) => [
        'channel',
        c.environment,
        '-',
        `${c.chat}:${c.workspace}/${c.channel}`,
        c.allowedBy,
        stamp(c.allowedAt),
      ]),
    ],
  );
