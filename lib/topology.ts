import type { EventType } from '../events/index.ts';

/**
 * The one list of what capstan runs: functions, the queues that feed them, the events each sends, HTTP
 * routes, schedules and the table. The CDK stack (cdk/) and the local runtime (lib/runtime/) are both built
 * from this module, so the two cannot drift. Pure data: no AWS or Node APIs here.
 */

export interface QueueSpec {
  /** FIFO queues serialize per message group (one app+environment at a time). */
  readonly fifo: boolean;
  readonly batchSize: number;
  /** AWS advises >= 6x the consuming function's timeout. */
  readonly visibilityTimeoutSeconds: number;
  /** After this many receives a message moves to the queue's DLQ. */
  readonly maxReceiveCount: number;
}

export const queues = {
  deploy: { fifo: true, batchSize: 10, visibilityTimeoutSeconds: 360, maxReceiveCount: 5 },
  rollout: { fifo: false, batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
  /** ECR pushes from an EventBridge rule (the raw EventBridge event as the body, not a capstan event). */
  registry: { fifo: false, batchSize: 10, visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
  /**
   * Healing: standard, not FIFO, because its waits are delayed messages (a FIFO queue takes no per-message
   * delay); one node at a time is the table's lease (lib/store/heals.ts). One message per batch: a step
   * holds its node's lease, and a batch of one keeps one node's slow cluster from delaying another's.
   */
  heal: { fifo: false, batchSize: 1, visibilityTimeoutSeconds: 180, maxReceiveCount: 8 },
  /** kubernetes-event-exporter's SQS sink: the raw core/v1 Event as the body, not a capstan event. */
  kubeEvents: { fifo: false, batchSize: 10, visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
  /**
   * Scaling (issue 12): standard for its delayed looks (an override's expiry, a resolve held through the
   * cooldown); one workload at a time is the table's workload lease, which releases hold too. One message
   * per batch, as for healing.
   */
  scale: { fifo: false, batchSize: 1, visibilityTimeoutSeconds: 120, maxReceiveCount: 8 },
  /** CloudWatch alarms through SNS: the SNS envelope as the body (raw delivery off), not a capstan event. */
  alarms: { fifo: false, batchSize: 10, visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
  /**
   * Approvals (issue 13): votes and the expiry's delayed looks. Standard for the delays; one approval at a
   * time is its record's version (a conditional write), so votes cast together are counted one by one.
   */
  approvals: { fifo: false, batchSize: 1, visibilityTimeoutSeconds: 60, maxReceiveCount: 8 },
  /** Chat notices: each renders its request's one message again from the table, so order does not matter. */
  notify: { fifo: false, batchSize: 5, visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
} as const satisfies Record<string, QueueSpec>;

export type QueueName = keyof typeof queues;

/**
 * Which queue carries each event type that has a consumer today. `internal` types are sent by capstan
 * itself only: the HTTP edge refuses them, so no producer can forge a step of a release.
 */
export const eventQueues = {
  'deploy.requested': { queue: 'deploy', internal: false },
  'release.advance': { queue: 'deploy', internal: true },
  'rollback.requested': { queue: 'deploy', internal: false },
  'image.pushed': { queue: 'deploy', internal: false },
  'rollout.check': { queue: 'rollout', internal: true },
  'node.lost': { queue: 'heal', internal: false },
  'node.recovered': { queue: 'heal', internal: false },
  'heal.check': { queue: 'heal', internal: true },
  // A pod that cannot mount its RBD volume: healing's too, beside the node that holds the image.
  'rbd.lock.detected': { queue: 'heal', internal: false },
  'hpa.threshold.hit': { queue: 'scale', internal: false },
  // A person's override through `capstan scale`, with the ingest token like `capstan rollback`.
  'scale.requested': { queue: 'scale', internal: false },
  'scale.check': { queue: 'scale', internal: true },
  // A person's Approve or Reject: the chat routes set the voter; `capstan approve` sends a cli voter.
  'approval.vote': { queue: 'approvals', internal: false },
  'approval.check': { queue: 'approvals', internal: true },
  // A granted approval, released in the app+environment's FIFO group like any request.
  'release.approved': { queue: 'deploy', internal: true },
  'chat.notify': { queue: 'notify', internal: true },
  'ops.notify': { queue: 'notify', internal: true },
} as const satisfies Partial<Record<EventType, { queue: QueueName; internal: boolean }>>;

export type RoutedEventType = keyof typeof eventQueues;
const routedTypes = Object.keys(eventQueues) as RoutedEventType[];

/** What producers may send through the HTTP edge: every routed type that is not internal. */
export const publicEventTypes = routedTypes.filter((t) => !eventQueues[t].internal);

export interface RouteSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
}

export interface FunctionSpec {
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly queue?: QueueName;
  readonly routes?: readonly RouteSpec[];
  readonly scheduleMinutes?: number;
  /**
   * The event types this function sends. Its enqueuer refuses any other type, and the queues it may send
   * to (grants and environment variables, on AWS and locally) follow from this list: see `sendsTo`.
   */
  readonly emits: readonly RoutedEventType[];
  /** Whether it reads cluster credentials (Secrets Manager on AWS). */
  readonly readsClusterCredentials: boolean;
  /** Whether it reads the ingest token: what POST /events and the registry webhooks are checked against. */
  readonly readsIngestToken?: boolean;
  /** Whether it reads the chat secret: Slack's signing secret and bot token (cdk/chat-secret.ts). */
  readonly readsChatSecret?: boolean;
  /** Whether it reads the sign-in secret: the Slack app's OpenID client (cdk/sign-in-secret.ts). */
  readonly readsSignInSecret?: boolean;
}

export const functions = {
  ingest: {
    entry: 'functions/ingest.ts',
    description: 'HTTP edge: authenticates, validates and enqueues capstan events and registry webhooks',
    timeoutSeconds: 10,
    memoryMb: 256,
    // Registry webhooks: one route per producer of lib/sources (a unit test keeps the two lists equal).
    routes: [
      { method: 'POST', path: '/events' },
      { method: 'POST', path: '/hooks/distribution' },
      { method: 'POST', path: '/hooks/harbor' },
      { method: 'POST', path: '/hooks/dockerhub/{secret}' },
      { method: 'POST', path: '/hooks/ghcr' },
      // kubernetes-event-exporter's webhook sink, one route per cluster (its own bearer token).
      { method: 'POST', path: '/hooks/kubernetes/{cluster}' },
      // Prometheus Alertmanager's webhook receiver (its own bearer token): hpa.threshold.hit candidates.
      { method: 'POST', path: '/hooks/alertmanager' },
      // A CI job's deploy request with its OIDC ID token (lib/ci): no shared secret.
      { method: 'POST', path: '/ci/deploy' },
      // A GitLab project's pipeline webhook (its own X-Gitlab-Token): a successful deploy job releases.
      { method: 'POST', path: '/hooks/gitlab/{project}' },
    ],
    emits: publicEventTypes,
    readsClusterCredentials: false,
    readsIngestToken: true,
  },
  deploy: {
    entry: 'functions/deploy.ts',
    description: 'Releases: image pushes, deploy and rollback requests, applied wave by wave to every cluster',
    timeoutSeconds: 60,
    memoryMb: 512,
    queue: 'deploy',
    // A push becomes deploy requests on the deploy queue itself; each applied cluster gets a rollout check.
    // A request needing approval opens one (its expiry a chain of approval.check); people follow in chat.
    emits: ['deploy.requested', 'rollout.check', 'approval.check', 'chat.notify'],
    readsClusterCredentials: true,
  },
  rollout: {
    entry: 'functions/rollout.ts',
    description: 'rollout.check: observes a Deployment rollout until ready, failed or timed out',
    timeoutSeconds: 30,
    memoryMb: 256,
    queue: 'rollout',
    // The next check; the next wave, or an automatic rollback, on the deploy queue.
    emits: ['rollout.check', 'release.advance', 'rollback.requested', 'chat.notify'],
    readsClusterCredentials: true,
  },
  registry: {
    entry: 'functions/registry.ts',
    description: 'ECR pushes from EventBridge: normalized into image.pushed events on the deploy queue',
    timeoutSeconds: 10,
    memoryMb: 256,
    queue: 'registry',
    emits: ['image.pushed'],
    readsClusterCredentials: false,
  },
  heal: {
    entry: 'functions/heal.ts',
    description:
      'Healing: node.lost proven or not, fenced the Kubernetes way, restored on node.recovered; RBD images a lost node held freed',
    timeoutSeconds: 30,
    memoryMb: 256,
    queue: 'heal',
    // Its own waits: a delayed look at the node again; what people hear of (a node fenced, an image freed).
    emits: ['heal.check', 'ops.notify'],
    readsClusterCredentials: true,
  },
  kubeEvents: {
    entry: 'functions/kube-events.ts',
    description:
      "kubernetes-event-exporter's SQS sink: NodeNotReady Events become node.lost candidates, RBD mount failures rbd.lock.detected",
    timeoutSeconds: 10,
    memoryMb: 256,
    queue: 'kubeEvents',
    emits: ['node.lost', 'rbd.lock.detected'],
    readsClusterCredentials: false,
  },
  scale: {
    entry: 'functions/scale.ts',
    description:
      'Scaling: hpa.threshold.hit and manual overrides answered with a bounded, cooled-down, time-limited raise of an HPA (or Deployment), put back on resolve or expiry',
    timeoutSeconds: 30,
    memoryMb: 256,
    queue: 'scale',
    // Its own waits: the override's expiry, a resolve held through the cooldown, a signal waiting for the lease.
    // And what people hear of: a ceiling raised, put back, or a raise refused.
    emits: ['scale.check', 'ops.notify'],
    readsClusterCredentials: true,
  },
  alarms: {
    entry: 'functions/alarms.ts',
    description: 'CloudWatch alarms through SNS: ALARM and OK become hpa.threshold.hit events on the scale queue',
    timeoutSeconds: 10,
    memoryMb: 256,
    queue: 'alarms',
    emits: ['hpa.threshold.hit'],
    readsClusterCredentials: false,
  },
  sweep: {
    entry: 'functions/sweep.ts',
    description: "Periodic sweep: probes every registered cluster, records its health, reads its nodes' heartbeats",
    timeoutSeconds: 60,
    memoryMb: 256,
    // Every minute: the node.lost and rbd.lock.detected candidates of clusters with no event forwarder.
    scheduleMinutes: 1,
    // Candidates, and a nudge (heal.check, scale.check) for a heal or an override whose chain of looks was lost.
    emits: ['node.lost', 'node.recovered', 'heal.check', 'rbd.lock.detected', 'scale.check'],
    readsClusterCredentials: true,
  },
  chat: {
    entry: 'functions/chat.ts',
    description:
      "Chat edge: Slack's slash command and buttons, Mattermost's slash command and buttons, Teams' outgoing webhook (reads only), verified and checked against capstan access, answered within 3 s",
    timeoutSeconds: 10,
    memoryMb: 256,
    routes: [
      { method: 'POST', path: '/hooks/slack/commands' },
      { method: 'POST', path: '/hooks/slack/interactivity' },
      { method: 'POST', path: '/hooks/mattermost/commands' },
      { method: 'POST', path: '/hooks/mattermost/actions' },
      { method: 'POST', path: '/hooks/teams' },
    ],
    emits: ['deploy.requested', 'rollback.requested', 'scale.requested', 'approval.vote'],
    readsClusterCredentials: false,
    readsChatSecret: true,
  },
  approvals: {
    entry: 'functions/approvals.ts',
    description:
      'Approvals: votes counted (distinct people, the requester apart, one reject ends it), expiry; a granted one released',
    timeoutSeconds: 10,
    memoryMb: 256,
    queue: 'approvals',
    emits: ['approval.check', 'release.approved', 'chat.notify'],
    readsClusterCredentials: false,
  },
  notify: {
    entry: 'functions/notify.ts',
    description:
      "Chat notices: each request's one message, posted then updated from the table's state; healing's and scaling's steps, posted once",
    timeoutSeconds: 20,
    memoryMb: 256,
    queue: 'notify',
    emits: [],
    readsClusterCredentials: false,
    readsChatSecret: true,
  },
  dashboard: {
    entry: 'functions/dashboard.ts',
    description:
      'Dashboard: a one-time sign-in link becomes a session cookie; signed-in people read the fleet, releases, healing, scaling, approvals and history (the table only)',
    timeoutSeconds: 10,
    memoryMb: 256,
    // Answered by lib/dashboard/use-cases/answer.ts (a unit test sends each one there).
    routes: [
      { method: 'GET', path: '/signin' },
      { method: 'POST', path: '/signin' },
      { method: 'GET', path: '/signin/slack' },
      { method: 'GET', path: '/signin/slack/callback' },
      { method: 'POST', path: '/signout' },
      { method: 'GET', path: '/' },
      { method: 'GET', path: '/apps/{name}' },
      { method: 'GET', path: '/healing' },
      { method: 'GET', path: '/approvals' },
      { method: 'GET', path: '/assets/{file}' },
      { method: 'GET', path: '/api/session' },
      { method: 'GET', path: '/api/fleet' },
      { method: 'GET', path: '/api/apps' },
      { method: 'GET', path: '/api/apps/{name}' },
      { method: 'GET', path: '/api/heals' },
      { method: 'GET', path: '/api/approvals' },
      { method: 'GET', path: '/api/overrides' },
      { method: 'GET', path: '/api/history' },
    ],
    emits: [],
    // Its session key is made in the table on first use (lib/store/session-key.ts); the one secret it reads is
    // the Slack app's OpenID client, never the chat secret (bot token, signing secret).
    readsClusterCredentials: false,
    readsSignInSecret: true,
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

/** The queues a function may send to: those that carry the events it emits. */
export const sendsTo = (name: FunctionName): QueueName[] => [
  ...new Set((functions[name] as FunctionSpec).emits.map((t) => eventQueues[t].queue)),
];

/**
 * ECR emits no webhook: an EventBridge rule sends its successful pushes to the `registry` queue (IAM is the
 * authentication: only that rule may send there).
 */
export const ecrPushRule = {
  queue: 'registry',
  pattern: {
    source: ['aws.ecr'],
    detailType: ['ECR Image Action'],
    detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] },
  },
} as const satisfies { queue: QueueName; pattern: Record<string, unknown> };

/** The single table: generic key names so one table serves every entity (see lib/store/keys.ts). */
export const table = {
  partitionKey: 'PK',
  sortKey: 'SK',
  ttlAttribute: 'expiresAt',
  indexes: [{ name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' }],
} as const;

/**
 * Cluster credentials on AWS live in Secrets Manager under this prefix; functions that read them may read
 * nothing else, so `capstan clusters add --secret` refuses other names.
 */
export const clusterSecretPrefix = 'capstan/clusters/';

/** Environment variable names through which a function learns its resources, on AWS and locally alike. */
export const env = {
  table: 'CAPSTAN_TABLE',
  queueUrl: (queue: QueueName) => `CAPSTAN_QUEUE_URL_${queue.toUpperCase()}`,
  dlqUrl: (queue: QueueName) => `CAPSTAN_DLQ_URL_${queue.toUpperCase()}`,
  /** Bearer token for POST /events: the value locally, a Secrets Manager ARN on AWS. */
  ingestToken: 'CAPSTAN_INGEST_TOKEN',
  ingestTokenSecretArn: 'CAPSTAN_INGEST_TOKEN_SECRET_ARN',
  /** Set (to `clusterSecretPrefix`) only for functions that may read cluster credentials. */
  clusterCredentials: 'CAPSTAN_CLUSTER_CREDENTIALS',
  /** The chat secret (JSON, lib/chat/secret.ts): the value locally, a Secrets Manager ARN on AWS. */
  chatSecret: 'CAPSTAN_CHAT_SECRET',
  chatSecretArn: 'CAPSTAN_CHAT_SECRET_ARN',
  /** The sign-in secret (JSON, lib/lambda/sign-in-secret.ts): the value locally, a Secrets Manager ARN on AWS. */
  signInSecret: 'CAPSTAN_SIGN_IN_SECRET',
  signInSecretArn: 'CAPSTAN_SIGN_IN_SECRET_ARN',
} as const;

/** Physical queue names used locally (CDK lets CloudFormation name them). */
export const queueName = (prefix: string, queue: QueueName, dlq = false): string =>
  `${prefix}-${queue}${dlq ? '-dlq' : ''}${queues[queue].fifo ? '.fifo' : ''}`;

export const functionNames = Object.keys(functions) as FunctionName[];
export const queueNames = Object.keys(queues) as QueueName[];
