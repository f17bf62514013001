/** Aligned plain-text columns for terminals; `--json` is there for scripts. */
export const renderTable = (headers: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
};

/** A span of whole seconds in its largest unit: `45s`, `10m`, `3h`, `2d`. */
export const duration = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
};

export const since = (iso: string, now = Date.now()): string =>
  `${duration(Math.round((now - Date.parse(iso)) / 1000))} ago`;

/** A stored time to the second, for tables: `2026-12-01 11:50:00Z`; `-` for a step not taken (yet). */
export const stamp = (iso: string | undefined): string =>
  iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z') : '-';
