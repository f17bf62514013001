import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { connectCeph } from '../ceph/gateway.ts';
import { dlqUrl, loadConfig } from '../config.ts';
import type { DeployDeps } from '../deploy/ports.ts';
import { DOCKER_HUB_API, rolloutTimingFromEnv } from '../deploy/settings.ts';
import type { HealDeps } from '../heal/ports.ts';
import { healSettingsFromEnv } from '../heal/settings.ts';
import { connector } from '../kube/connect.ts';
import { gatewayConnector } from '../kube/gateway.ts';
import { tellVia } from '../notify/tell.ts';
import { type DeadLetter, deadLetterQueue } from '../queue/dead-letter.ts';
import { enqueuer } from '../queue/send.ts';
import { resolveTagAnswer } from '../registry/resolve.ts';
import type { ScaleDeps } from '../scale/ports.ts';
import { scaleSettingsFromEnv } from '../scale/settings.ts';
import { createDb } from '../store/db.ts';
import { dynamoStore } from '../store/dynamo.ts';
import { receivedAt } from '../store/receipts.ts';
import { env, type FunctionName, type QueueName } from '../topology.ts';
import { dynamoPersistence } from './idempotency.ts';
import type { ConsumerPorts } from './ports.ts';
import { selfAddresses } from './self-addresses.ts';

/**
 * Clients and configuration a function needs, created once per process (cold start) and shared by every
 * invocation. Endpoints come from the standard AWS_ENDPOINT_URL_* variables, so the same code talks to
 * AWS, LocalStack or the local emulators.
 */
export const wire = (name: FunctionName) => {
  const config = loadConfig();
  const ddb = new DynamoDBClient({});
  const sqs = new SQSClient({});
  const secrets = new SecretsManagerClient({});
  const db = createDb(config.tableName, ddb);
  const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'capstan' });
  const deploy: DeployDeps = {
    store: dynamoStore(db),
    kube: gatewayConnector(connector(secrets, { prefix: process.env[env.clusterCredentials] })),
    enqueue: enqueuer(sqs, config, name),
    now: () => new Date(),
    rollout: rolloutTimingFromEnv(),
    autoRollback: process.env.CAPSTAN_AUTO_ROLLBACK !== 'false',
    dockerHubDigest: (repository, tag) =>
      resolveTagAnswer(process.env.CAPSTAN_DOCKERHUB_REGISTRY_URL || DOCKER_HUB_API, repository, tag),
  };
  const tell = tellVia(deploy.enqueue, (message, fields) => logger.warn(message, fields));
  const heal: HealDeps = {
    store: deploy.store,
    kube: deploy.kube,
    enqueue: deploy.enqueue,
    tell,
    now: deploy.now,
    settings: healSettingsFromEnv(),
    ceph: connectCeph(secrets),
    selfAddresses: selfAddresses(),
  };
  const scale: ScaleDeps = {
    store: deploy.store,
    kube: deploy.kube,
    enqueue: deploy.enqueue,
    tell,
    now: deploy.now,
    settings: scaleSettingsFromEnv(),
  };
  return { config, ddb, sqs, secrets, db, logger, deploy, heal, scale };
};

export type Wired = ReturnType<typeof wire>;

/** The queue's DLQ, through SQS; its URL is read at cold start, so a missing one fails there, not at a refusal. */
export const deadLetterOf = (w: Wired, queue: QueueName): DeadLetter => deadLetterQueue(w.sqs, dlqUrl(w.config, queue));

/** What a consumer of `queue` spreads into sqsConsumer (./sqs-consumer.ts): the real adapter behind each port. */
export const consumerPorts = (w: Wired, queue: QueueName): ConsumerPorts => ({
  queue,
  persistence: dynamoPersistence(w.db, w.ddb),
  history: w.deploy.store.history,
  receipts: { receivedAt: (eventId, now) => receivedAt(w.db, eventId, now) },
  deadLetter: deadLetterOf(w, queue),
  logger: w.logger,
});
