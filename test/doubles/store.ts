import type { AppSpec } from '../../lib/apps/spec.ts';
import { ConflictError, NotFoundError } from '../../lib/errors.ts';
import { type AppRecord, AppRecordSchema, trackedRepositories } from '../../lib/store/apps.ts';
import { type Cluster, ClusterSchema } from '../../lib/store/clusters.ts';
import { type EnvironmentSettings, policyOf } from '../../lib/store/environments.ts';
import {
  type HealMode,
  HealPatchSchema,
  healLeaseName,
  isActiveHeal,
  type NodeHeal,
  NodeHealSchema,
  newHealRecord,
} from '../../lib/store/heals.ts';
import { type HistoryEntry, HistoryEntrySchema, historySortKey } from '../../lib/store/history.ts';
import {
  type ImageHeal,
  ImageHealSchema,
  ImagePatchSchema,
  imageName,
  isActiveImageHeal,
} from '../../lib/store/image-heals.ts';
import type { Store } from '../../lib/store/ports.ts';
import { type ReleaseApproval, ReleaseApprovalSchema } from '../../lib/store/release-approvals.ts';
import { type Release, ReleaseSchema } from '../../lib/store/releases.ts';
import { type ScaleOverride, ScaleOverrideSchema, workloadName } from '../../lib/store/scale-overrides.ts';

/**
 * The store ports in memory, for unit tests of the use cases. Every conditional write behaves as the
 * DynamoDB adapter's does (test/contract/store.ts runs the same suite against both), and every value
 * handed out is a copy validated by the table's own schema, so a use case can neither mutate the stored
 * state by accident nor write what the real table would refuse to read back.
 */
export interface MemoryStore {
  readonly store: Store;
  readonly seed: StoreSeed;
  /** Every history entry of the app, in the order first recorded (a twin overwrites in place). */
  history(app: string): HistoryEntry[];
  /** The stored releases of an app and environment, oldest first. */
  releases(app: string, environment: string): Release[];
}

/** What tests set up, as the CLI would (`apps add`, `clusters add`, `env set`). */
export interface StoreSeed {
  app(spec: AppSpec, now?: Date): Promise<AppRecord>;
  /** `wave` defaults to 0 and `registeredAt` to now; credentials to a kubeconfig context of the cluster's name. */
  cluster(cluster: SeedCluster): Promise<Cluster>;
  environment(name: string, protect: boolean, now?: Date, healMode?: HealMode, notifyChannel?: string): Promise<void>;
}

export type SeedCluster = Pick<Cluster, 'name' | 'environment'> & Partial<Cluster>;

export const seedClusterOf = (c: SeedCluster): Cluster =>
  ClusterSchema.parse({
    registeredAt: new Date().toISOString(),
    credentials: { kind: 'kubeconfig', path: '/dev/null', context: c.name },
    ...c,
  });

/** DynamoDB compares strings by their bytes, not by locale (sort keys, `pushedAt <= :at`). */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export const memoryStore = (): MemoryStore => {
  const releases = new Map<string, Release[]>(); // REL#<app>#<env> -> by revision - 1
  const markers = new Map<string, number>(); // REL#<app>#<env> EVENT#<id> -> revision
  const history = new Map<string, Map<string, HistoryEntry>>(); // app -> sort key -> entry
  const receipts = new Map<string, string>(); // event id -> first received
  const apps = new Map<string, AppRecord>();
  const clusters = new Map<string, Cluster>();
  const environments = new Map<string, EnvironmentSettings>();
  const heals = new Map<string, Map<string, NodeHeal>>(); // cluster -> node -> record
  const leases = new Map<string, { holder: string; expiresAtMs: number }>(); // lease name -> holder
  const images = new Map<string, ImageHeal>(); // <cluster>#<pool>/<image> -> record
  const overrides = new Map<string, ScaleOverride>(); // <cluster>#<namespace>/<Kind>/<name> -> record
  const releaseApprovals = new Map<string, ReleaseApproval>(); // app#env#requestId -> record
  const approvalCopy = (r: ReleaseApproval) => ReleaseApprovalSchema.parse(structuredClone(r));
  const imageKey = (k: { cluster: string; pool: string; image: string }) => `${k.cluster}#${imageName(k)}`;

  const part = (app: string, environment: string) => `${app}#${environment}`;
  const find = (app: string, environment: string, revision: number) =>
    releases.get(part(app, environment))?.[revision - 1];
  const out = (release: Release): Release => ReleaseSchema.parse(structuredClone(release));

  const store: Store = {
    releases: {
      get: async (app, environment, revision) => {
        const release = find(app, environment, revision);
        if (!release) throw new NotFoundError(`release ${app}/${environment}#${revision} does not exist`);
        return out(release);
      },
      list: async (app, environment, limit = 50) =>
        [...(releases.get(part(app, environment)) ?? [])].reverse().slice(0, limit).map(out),
      create: async (input) => {
        const { app, environment, eventId } = input;
        const made = markers.get(`${part(app, environment)}#${eventId}`);
        if (made !== undefined) return { release: out(find(app, environment, made) as Release), created: false };
        const all = releases.get(part(app, environment)) ?? [];
        const release: Release = {
          ...structuredClone(input),
          revision: all.length + 1,
          wave: 0,
          status: 'applying',
          clusters: {},
        };
        releases.set(part(app, environment), [...all, release]);
        markers.set(`${part(app, environment)}#${eventId}`, release.revision);
        return { release: structuredClone(release), created: true };
      },
      revisionOfEvent: async (app, environment, eventId) => markers.get(`${part(app, environment)}#${eventId}`),
      setCluster: async ({ app, environment, revision }, cluster, state) => {
        const release = find(app, environment, revision);
        // The adapter's `attribute_exists(PK)` condition, translated (lib/store/db.ts translateConflict).
        if (!release)
          throw new ConflictError(`release ${app}/${environment}#${revision}: the conditional request failed`);
        release.clusters[cluster] = structuredClone(state);
      },
      // The adapter's condition: the entry exists and its rollout is pending or progressing.
      setClusterProgress: async ({ app, environment, revision }, cluster, progress) => {
        const entry = find(app, environment, revision)?.clusters[cluster];
        if (!entry || (entry.rollout !== 'pending' && entry.rollout !== 'progressing')) return false;
        Object.assign(entry, structuredClone(progress));
        return true;
      },
      setStatus: async ({ app, environment, revision }, status, from, why) => {
        const release = find(app, environment, revision);
        if (!release || !from.includes(release.status)) return false;
        release.status = status;
        if (why) release.statusReason = structuredClone(why);
        return true;
      },
      advanceWave: async ({ app, environment, revision }, from) => {
        const release = find(app, environment, revision);
        if (!release || release.wave !== from || !['applying', 'progressing'].includes(release.status)) return false;
        release.wave = from + 1;
        release.status = 'applying';
        return true;
      },
    },
    history: {
      record: async (step) => {
        // As lib/store/receipts.ts: the first step recorded without a time of its own sets the receipt.
        if (step.receivedAt === undefined && !receipts.has(step.eventId)) {
          receipts.set(step.eventId, new Date(step.recordedAt).toISOString());
        }
        const receivedAt = step.receivedAt ?? (receipts.get(step.eventId) as string);
        const entry = HistoryEntrySchema.parse(structuredClone({ ...step, receivedAt }));
        // lib/store/history.ts's sort key: a twin (same event, step, cluster and outcome) overwrites.
        const key = historySortKey(entry);
        const entries = history.get(entry.app) ?? new Map<string, HistoryEntry>();
        entries.set(key, entry);
        history.set(entry.app, entries);
      },
    },
    apps: {
      find: async (name) => {
        const record = apps.get(name);
        return record ? AppRecordSchema.parse(structuredClone(record)) : undefined;
      },
      tracking: async (repository) =>
        [...apps.values()]
          .sort((a, b) => byBytes(a.spec.name, b.spec.name))
          .flatMap((record) => {
            const containers = trackedRepositories(record.spec).get(repository);
            return containers ? [{ record: AppRecordSchema.parse(structuredClone(record)), containers }] : [];
          }),
    },
    clusters: {
      get: async (name) => {
        const cluster = clusters.get(name);
        if (!cluster) throw new NotFoundError(`cluster ${name} is not registered`);
        return ClusterSchema.parse(structuredClone(cluster));
      },
      list: async () =>
        [...clusters.values()]
          .sort((a, b) => byBytes(a.name, b.name))
          .map((c) => ClusterSchema.parse(structuredClone(c))),
      // GSI1SK WAVE#<0000>#<name> (lib/store/keys.ts): by wave, then by name.
      ofEnvironment: async (environment) =>
        [...clusters.values()]
          .filter((c) => c.environment === environment)
          .sort((a, b) => a.wave - b.wave || byBytes(a.name, b.name))
          .map((c) => ClusterSchema.parse(structuredClone(c))),
      recordHealth: async (name, health) => {
        const cluster = clusters.get(name);
        if (!cluster) throw new NotFoundError(`cluster ${name} is not registered`);
        cluster.health = structuredClone(health);
      },
    },
    environments: {
      policy: async (name) => policyOf(name, environments.get(name)),
    },
    releaseApprovals: {
      // `attribute_not_exists(PK)`: a second open finds the first.
      open: async (record) => {
        const key = `${record.app}#${record.environment}#${record.id}`;
        const existing = releaseApprovals.get(key);
        if (existing) return { record: approvalCopy(existing), created: false };
        releaseApprovals.set(key, approvalCopy(record));
        return { record: approvalCopy(record), created: true };
      },
      get: async (app, environment, id) => {
        const record = releaseApprovals.get(`${app}#${environment}#${id}`);
        return record ? approvalCopy(record) : undefined;
      },
      list: async (app, environment, o = {}) =>
        [...releaseApprovals.values()]
          .filter((r) => r.app === app && r.environment === environment)
          .filter((r) => o.state === undefined || r.state === o.state)
          .sort((a, b) => byBytes(b.openedAt, a.openedAt))
          .map(approvalCopy),
      // `version = :v`.
      save: async (next, expectedVersion) => {
        const key = `${next.app}#${next.environment}#${next.id}`;
        if (releaseApprovals.get(key)?.version !== expectedVersion) return false;
        releaseApprovals.set(key, approvalCopy({ ...next, version: expectedVersion + 1 }));
        return true;
      },
    },
    heals: {
      get: async (cluster, node) => {
        const record = heals.get(cluster)?.get(node);
        return record ? NodeHealSchema.parse(structuredClone(record)) : undefined;
      },
      // SK NODE#<node>: by node name, in bytes.
      list: async (cluster) =>
        [...(heals.get(cluster)?.values() ?? [])]
          .sort((a, b) => byBytes(a.node, b.node))
          .map((r) => NodeHealSchema.parse(structuredClone(r))),
      start: async (input) => {
        const record = newHealRecord(input);
        const nodes = heals.get(record.cluster) ?? new Map<string, NodeHeal>();
        const existing = nodes.get(record.node);
        // `attribute_not_exists(PK) OR phase IN (restored, cancelled)`: a settled record is replaced.
        if (existing && isActiveHeal(existing.phase)) {
          return { record: NodeHealSchema.parse(structuredClone(existing)), created: false };
        }
        nodes.set(record.node, record);
        heals.set(record.cluster, nodes);
        return { record: structuredClone(record), created: true };
      },
      advance: async ({ cluster, node }, from, to, patch) => {
        const record = heals.get(cluster)?.get(node);
        const fields = HealPatchSchema.parse(patch);
        if (!record || !from.includes(record.phase)) return false;
        const defined = Object.entries(fields).filter(([, value]) => value !== undefined);
        heals.get(cluster)?.set(node, NodeHealSchema.parse({ ...record, ...Object.fromEntries(defined), phase: to }));
        return true;
      },
      // lib/store/leases.ts: `attribute_not_exists(PK) OR holder = :h OR expiresAtMs < :now`.
      acquireLease: async ({ cluster, node }, holder, ttlSeconds, now = Date.now()) => {
        const name = healLeaseName(cluster, node);
        const held = leases.get(name);
        if (held && held.holder !== holder && !(held.expiresAtMs < now)) {
          throw new ConflictError(`lease ${name} is held by another holder: the conditional request failed`);
        }
        const expiresAtMs = now + ttlSeconds * 1000;
        leases.set(name, { holder, expiresAtMs });
        return { name, holder, expiresAtMs };
      },
      releaseLease: async ({ cluster, node }, holder) => {
        const name = healLeaseName(cluster, node);
        if (leases.get(name)?.holder === holder) leases.delete(name);
      },
    },
    images: {
      get: async (key) => {
        const record = images.get(imageKey(key));
        return record ? ImageHealSchema.parse(structuredClone(record)) : undefined;
      },
      // SK IMAGE#<pool>/<image>: by name, in bytes.
      list: async (cluster) =>
        [...images.values()]
          .filter((r) => r.cluster === cluster)
          .sort((a, b) => byBytes(imageName(a), imageName(b)))
          .map((r) => ImageHealSchema.parse(structuredClone(r))),
      start: async (input) => {
        const record = ImageHealSchema.parse({ ...input, phase: 'waiting', updatedAt: input.detectedAt });
        const existing = images.get(imageKey(record));
        if (existing && isActiveImageHeal(existing.phase)) {
          return { record: ImageHealSchema.parse(structuredClone(existing)), created: false };
        }
        images.set(imageKey(record), record);
        return { record: structuredClone(record), created: true };
      },
      advance: async (key, from, to, patch) => {
        const record = images.get(imageKey(key));
        const fields = ImagePatchSchema.parse(patch);
        if (!record || !from.includes(record.phase)) return false;
        const defined = Object.entries(fields).filter(([, value]) => value !== undefined);
        images.set(imageKey(key), ImageHealSchema.parse({ ...record, ...Object.fromEntries(defined), phase: to }));
        return true;
      },
    },
    overrides: {
      get: async (key) => {
        const record = overrides.get(`${key.cluster}#${workloadName(key)}`);
        return record ? ScaleOverrideSchema.parse(structuredClone(record)) : undefined;
      },
      // SK WL#<namespace>/<Kind>/<name>: by name, in bytes.
      list: async (cluster) =>
        [...overrides.values()]
          .filter((r) => r.cluster === cluster)
          .sort((a, b) => byBytes(workloadName(a), workloadName(b)))
          .map((r) => ScaleOverrideSchema.parse(structuredClone(r))),
      // `attribute_not_exists(PK)` or `version = :v`.
      save: async (record, expected) => {
        const id = `${record.cluster}#${workloadName(record)}`;
        if (overrides.get(id)?.version !== expected) return false;
        overrides.set(id, ScaleOverrideSchema.parse({ ...structuredClone(record), version: (expected ?? 0) + 1 }));
        return true;
      },
    },
    leases: {
      acquire: async (name, holder, ttlSeconds, now = Date.now()) => {
        const held = leases.get(name);
        if (held && held.holder !== holder && !(held.expiresAtMs < now)) {
          throw new ConflictError(`lease ${name} is held by another holder: the conditional request failed`);
        }
        const expiresAtMs = now + ttlSeconds * 1000;
        leases.set(name, { holder, expiresAtMs });
        return { name, holder, expiresAtMs };
      },
      release: async (name, holder) => {
        if (leases.get(name)?.holder === holder) leases.delete(name);
      },
    },
  };

  const seed: StoreSeed = {
    app: async (spec, now = new Date()) => {
      const existing = apps.get(spec.name);
      if (existing && JSON.stringify(existing.spec) === JSON.stringify(spec)) return structuredClone(existing);
      const at = now.toISOString();
      const record: AppRecord = {
        spec: structuredClone(spec),
        generation: (existing?.generation ?? 0) + 1,
        registeredAt: existing?.registeredAt ?? at,
        updatedAt: at,
      };
      apps.set(spec.name, record);
      return structuredClone(record);
    },
    cluster: async (c) => {
      const cluster = seedClusterOf(c);
      // As putCluster: re-registering keeps the health last recorded.
      const health = cluster.health ?? clusters.get(cluster.name)?.health;
      clusters.set(cluster.name, { ...cluster, ...(health ? { health } : {}) });
      return structuredClone(cluster);
    },
    environment: async (name, protect, now = new Date(), healMode, notifyChannel) => {
      environments.set(name, {
        name,
        protected: protect,
        updatedAt: now.toISOString(),
        ...(healMode ? { healMode } : {}),
        ...(notifyChannel ? { notify: { slack: { channel: notifyChannel } } } : {}),
      });
    },
  };

  return {
    store,
    seed,
    history: (app) => [...(history.get(app)?.values() ?? [])].map((e) => structuredClone(e)),
    releases: (app, environment) => (releases.get(part(app, environment)) ?? []).map(out),
  };
};
