import { type ApprovalView, approvalView } from '../../approvals/render/approval-view.ts';
import type { AppRecord } from '../../store/apps.ts';
import { type MatrixRow, matrixRow } from '../decisions/fleet-matrix.ts';
import { type ReleaseView, releaseView } from '../decisions/release-progress.ts';
import type { DashboardReads } from '../ports.ts';
import { inWaveOrder } from './fleet.ts';

export interface AppEnvironmentView {
  readonly environment: string;
  /** What runs on each of the environment's clusters (wave order), as the fleet matrix shows it. */
  readonly row: MatrixRow;
  /** The newest releases, newest first, each with its waves' progress. */
  readonly releases: readonly ReleaseView[];
  /** Approvals still open (`capstan approvals --json` shapes). */
  readonly approvals: readonly ApprovalView[];
}

export interface AppView {
  readonly name: string;
  readonly spec: AppRecord['spec'];
  readonly environments: readonly AppEnvironmentView[];
}

/**
 * `GET /api/apps/{name}` (and its page): per environment of the app, what runs on each cluster, the
 * release timeline and what waits for approval. Undefined: no such app.
 */
export const appView = async (reads: DashboardReads, name: string): Promise<AppView | undefined> => {
  const [record, registered] = await Promise.all([reads.app(name), reads.clusters()]);
  if (!record) return undefined;
  const { clustersOf } = inWaveOrder(registered);
  const names = Object.keys(record.spec.environments).sort();
  const environments = await Promise.all(
    names.map(async (environment) => {
      const [releases, approvals] = await Promise.all([
        reads.releases(name, environment),
        reads.openApprovals(name, environment),
      ]);
      return {
        environment,
        row: matrixRow(name, environment, clustersOf(environment), releases),
        releases: releases.map(releaseView),
        approvals: approvals.map(approvalView),
      };
    }),
  );
  return { name, spec: record.spec, environments };
};
