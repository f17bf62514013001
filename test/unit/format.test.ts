import { describe, expect, it } from 'vitest';
import { renderTable, since } from '../../lib/cli/format.ts';

describe('renderTable', () => {
  it('aligns columns and does not pad the last one', () => {
    expect(
      renderTable(
        ['A', 'LONGER'],
        [
          ['xyz', '1'],
          ['x', '22'],
        ],
      ),
    ).toBe('A    LONGER\nxyz  1\nx    22');
  });
});

describe('since', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  it.each([
    ['2026-01-01T11:59:30Z', '30s ago'],
    ['2026-01-01T11:50:00Z', '10m ago'],
    ['2026-01-01T09:00:00Z', '3h ago'],
    ['2025-12-29T12:00:00Z', '3d ago'],
  ])('%s -> %s', (iso, text) => expect(since(iso, now)).toBe(text));
});
