/**
 * How hard the fault suite pushes. The short profile runs in CI under `npm test` (a few minutes on 2
 * cores); `npm run faults` (CAPSTAN_FAULTS=full) runs more releases and takes the cluster down for a
 * whole minute.
 */
export interface FaultProfile {
  readonly name: 'short' | 'full';
  /** Apps released during the duplicate storm, each with `versions` releases in a row. */
  readonly apps: number;
  readonly versions: number;
  /** Concurrent `capstan up` processes on one prefix: consumers of every queue. */
  readonly consumers: number;
  /** How long the proxied cluster refuses connections. */
  readonly downSeconds: number;
  /** Apps released just as the cluster goes down. */
  readonly downApps: number;
  /** Apps released just before DynamoDB Local and ElasticMQ are restarted. */
  readonly restartApps: number;
  /** Upper bound for everything to settle after the last fault. */
  readonly settleSeconds: number;
}

export const faultProfile = (source: NodeJS.ProcessEnv = process.env): FaultProfile =>
  source.CAPSTAN_FAULTS === 'full'
    ? {
        name: 'full',
        apps: 8,
        versions: 3,
        consumers: 3,
        downSeconds: 60,
        downApps: 3,
        restartApps: 3,
        settleSeconds: 420,
      }
    : {
        name: 'short',
        apps: 3,
        versions: 2,
        consumers: 3,
        downSeconds: 8,
        downApps: 1,
        restartApps: 1,
        settleSeconds: 240,
      };
