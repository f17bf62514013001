import { describe, expect, it } from 'vitest';
import { renderHistory } from '../../lib/cli/render/history.ts';
import type { HistoryEntry } from '../../lib/store/history.ts';

const entry: HistoryEntry = {
  app: 'api',
  environment: 'staging',
  eventId: 'e1',
  eventType: 'deploy.requested',
  action: 'release',
  outcome: 'skipped',
  code: 'no-clusters',
  reason: 'no clusters are registered in environment staging',
  eventTime: '2026-11-28T09:00:00.000Z',
  receivedAt: '2026-12-01T10:00:00.000Z',
  recordedAt: '2026-12-01T10:00:02.000Z',
};

describe('capstan history table', () => {
  it("TIME is when capstan acted, never the producer's clock", () => {
    const [, row] = renderHistory([entry]).split('\n');
    expect(row?.startsWith('2026-12-01 10:00:02Z')).toBe(true);
    expect(row).not.toContain('2026-11-28');
  });

  it('shows the reason code in a column of its own, and - where there is none', () => {
    const [header, skipped, created] = renderHistory([entry, { ...entry, outcome: 'created', code: undefined }]).split(
      '\n',
    );
    expect(header).toMatch(/OUTCOME\s+CODE\s+DETAIL/);
    expect(skipped).toMatch(/skipped\s+no-clusters\s+no clusters are registered/);
    expect(created).toMatch(/created\s+-\s/);
  });
});
