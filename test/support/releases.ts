import type { Release } from '../../lib/store/releases.ts';

/** A release as the table holds it, for tests of the decisions: only what a case is about needs saying. */
export const aRelease = (over: Partial<Release> = {}): Release => ({
  app: 'api',
  environment: 'staging',
  revision: 1,
  eventId: `event-${over.revision ?? 1}`,
  image: 'registry.local:5000/acme/api:1.0.0',
  namespace: 'api',
  manifests: [],
  createdAt: '2026-12-01T10:00:00.000Z',
  requestedAt: '2026-12-01T10:00:00.000Z',
  waves: [['a']],
  wave: 0,
  status: 'succeeded',
  clusters: {},
  ...over,
});
