import type { DashboardReads } from '../../lib/dashboard/ports.ts';

/** The dashboard's reads of an empty fleet, for unit tests of its use cases: a case says what it has. */
export const dashboardReads = (over: Partial<DashboardReads> = {}): DashboardReads => ({
  apps: async () => [],
  app: async () => undefined,
  clusters: async () => [],
  environmentNames: async () => [],
  policy: async (name) => ({ name, protected: false, configured: false }),
  releases: async () => [],
  history: async () => ({ entries: [] }),
  heals: async () => [],
  imageHeals: async () => [],
  openApprovals: async () => [],
  overrides: async () => [],
  workspaceAllowed: async () => false,
  ...over,
});
