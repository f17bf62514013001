import { createHash, randomUUID } from 'node:crypto';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import ecrPush from '../fixtures/sources/ecr-push.json' with { type: 'json' };

export const ENVIRONMENT = 'staging';

const digestOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/**
 * A deploy request for an unregistered app with its workload inline (allowed outside protected
 * environments), one replica so the fake nodes take many apps. Each version is its own image, so each
 * release changes the Deployment's spec exactly once.
 */
export const deployRequest = (app: string, version: number) => ({
  ...sample,
  id: `fault-${app}-v${version}-${randomUUID()}`,
  time: new Date().toISOString(),
  subject: `${app}/${ENVIRONMENT}`,
  data: {
    ...sample.data,
    app,
    environment: ENVIRONMENT,
    namespace: app,
    replicas: 1,
    image: `registry.local:5000/faults/${app}:1.${version}.0@${digestOf(`${app}@${version}`)}`,
    reason: `fault suite: ${app} v${version}`,
  },
});
export type DeployRequest = ReturnType<typeof deployRequest>;

/** The FIFO group capstan's edge puts a deploy request in (lib/queue/routing.ts). */
export const groupOf = (event: DeployRequest) => `${event.data.app}#${event.data.environment}`;

export type QueueKey = 'deploy' | 'rollout' | 'registry';

/** A message no consumer can ever use, what it should become, and on which queue. */
export interface Poison {
  readonly queue: QueueKey;
  readonly kind: 'not-json' | 'invalid-event' | 'unknown-target';
  readonly body: string;
  /** The event id the consumer files its rejection under, where the body has one. */
  readonly eventId?: string;
  /** The app the rejection is filed under, where the body names one. */
  readonly app?: string;
}

/**
 * Three poison messages per queue: not JSON; JSON that is not a valid event; a valid event about
 * something that does not exist (a release or repository nobody has).
 */
export const poisonMessages = (tag: string): Poison[] => {
  const app = `poison-${tag}`;
  const id = (what: string) => `poison-${tag}-${what}`;
  const time = new Date().toISOString();
  const envelope = (type: string, what: string, data: object) =>
    JSON.stringify({ specversion: '1.0', id: id(what), type, source: 'fault-suite', time, schemaversion: '1', data });
  return [
    { queue: 'deploy', kind: 'not-json', body: '{"this is": not json' },
    {
      queue: 'deploy',
      kind: 'invalid-event',
      eventId: id('deploy-invalid'),
      app,
      body: envelope('deploy.requested', 'deploy-invalid', { app, environment: ENVIRONMENT, replicas: 'many' }),
    },
    {
      queue: 'deploy',
      kind: 'unknown-target',
      eventId: id('advance-unknown'),
      app,
      body: envelope('release.advance', 'advance-unknown', { app, environment: ENVIRONMENT, revision: 41, wave: 1 }),
    },
    { queue: 'rollout', kind: 'not-json', body: '\ufffd\ufffd binary garbage \u00ff\u00fe' },
    {
      queue: 'rollout',
      kind: 'invalid-event',
      eventId: id('check-invalid'),
      app,
      body: envelope('rollout.check', 'check-invalid', { app, revision: -1 }),
    },
    {
      queue: 'rollout',
      kind: 'unknown-target',
      eventId: id('check-unknown'),
      app,
      body: envelope('rollout.check', 'check-unknown', {
        app,
        environment: ENVIRONMENT,
        revision: 7,
        cluster: 'nowhere',
        namespace: app,
        deployment: app,
        generation: 1,
        attempt: 0,
        deadline: new Date(Date.now() + 60_000).toISOString(),
      }),
    },
    { queue: 'registry', kind: 'not-json', body: 'ECR says hello' },
    { queue: 'registry', kind: 'invalid-event', body: JSON.stringify({ source: 'aws.ecr', detail: 'nope' }) },
    {
      queue: 'registry',
      kind: 'unknown-target',
      body: JSON.stringify({
        ...ecrPush,
        id: randomUUID(),
        time,
        detail: { ...ecrPush.detail, 'repository-name': `nobody/tracks-${tag}`, 'image-digest': digestOf(tag) },
      }),
    },
  ];
};
