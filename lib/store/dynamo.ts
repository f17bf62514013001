import { appsTracking, findApp } from './apps.ts';
import { clustersOfEnvironment, getCluster, listClusters, recordClusterHealth } from './clusters.ts';
import type { Db } from './db.ts';
import { environmentPolicy } from './environments.ts';
import { acquireHealLease, advanceHeal, getHeal, listHeals, releaseHealLease, startHeal } from './heals.ts';
import { recordHistory } from './history.ts';
import { advanceImageHeal, getImageHeal, listImageHeals, startImageHeal } from './image-heals.ts';
import { acquireLease, releaseLease } from './leases.ts';
import type { Store } from './ports.ts';
import { getApproval, listApprovals, openApproval, saveApproval } from './release-approvals.ts';
import {
  advanceWave,
  createRelease,
  getRelease,
  listReleases,
  revisionOfEvent,
  setClusterProgress,
  setClusterRelease,
  setReleaseStatus,
} from './releases.ts';
import { getScaleOverride, listScaleOverrides, saveScaleOverride } from './scale-overrides.ts';

/** The store ports over the one DynamoDB table. */
export const dynamoStore = (db: Db): Store => ({
  releases: {
    get: (app, environment, revision) => getRelease(db, app, environment, revision),
    list: (app, environment, limit) => listReleases(db, app, environment, limit),
    create: (input) => createRelease(db, input),
    revisionOfEvent: (app, environment, eventId) => revisionOfEvent(db, app, environment, eventId),
    setCluster: (release, cluster, state) => setClusterRelease(db, release, cluster, state),
    setClusterProgress: (release, cluster, progress) => setClusterProgress(db, release, cluster, progress),
    setStatus: (release, status, from, why) => setReleaseStatus(db, release, status, from, why),
    advanceWave: (release, from) => advanceWave(db, release, from),
  },
  history: { record: (step) => recordHistory(db, step) },
  apps: { find: (name) => findApp(db, name), tracking: (repository) => appsTracking(db, repository) },
  clusters: {
    get: (name) => getCluster(db, name),
    list: () => listClusters(db),
    ofEnvironment: (environment) => clustersOfEnvironment(db, environment),
    recordHealth: (name, health) => recordClusterHealth(db, name, health),
  },
  environments: { policy: (name) => environmentPolicy(db, name) },
  releaseApprovals: {
    open: (record) => openApproval(db, record),
    get: (app, environment, id) => getApproval(db, app, environment, id),
    list: (app, environment, o) => listApprovals(db, app, environment, o),
    save: (next, expectedVersion) => saveApproval(db, next, expectedVersion),
  },
  heals: {
    get: (cluster, node) => getHeal(db, cluster, node),
    list: (cluster) => listHeals(db, cluster),
    start: (input) => startHeal(db, input),
    advance: (heal, from, to, patch) => advanceHeal(db, heal, from, to, patch),
    acquireLease: (heal, holder, ttlSeconds, now) => acquireHealLease(db, heal, holder, ttlSeconds, now),
    releaseLease: (heal, holder) => releaseHealLease(db, heal, holder),
  },
  images: {
    get: (key) => getImageHeal(db, key),
    list: (cluster) => listImageHeals(db, cluster),
    start: (input) => startImageHeal(db, input),
    advance: (key, from, to, patch) => advanceImageHeal(db, key, from, to, patch),
  },
  overrides: {
    get: (key) => getScaleOverride(db, key),
    list: (cluster) => listScaleOverrides(db, cluster),
    save: (record, expected) => saveScaleOverride(db, record, expected),
  },
  leases: {
    acquire: (name, holder, ttlSeconds, now) => acquireLease(db, name, holder, ttlSeconds, now),
    release: (name, holder) => releaseLease(db, name, holder),
  },
});
