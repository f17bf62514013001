import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NameSchema } from '../../../events/envelope.ts';
import { InvalidInputError } from '../../errors.ts';
import { alertmanagerConfig } from '../../ingest/alertmanager-config.ts';
import { ALERTMANAGER_HOOK_ROUTE } from '../../ingest/alertmanager-hook.ts';
import { CI_DEPLOY_ROUTE } from '../../ingest/ci-deploy.ts';
import { sqsExporterConfig, webhookExporterConfig } from '../../ingest/exporter-config.ts';
import { GITLAB_HOOK_ROUTE } from '../../ingest/gitlab-hook.ts';
import { alertmanagerHookToken, gitlabHookToken, hookSecret, kubernetesHookToken } from '../../ingest/hook-secret.ts';
import { KUBERNETES_HOOK_ROUTE } from '../../ingest/kube-hook.ts';
import { ingestSecret } from '../../ingest/secret.ts';
import { type RuntimeState, readState } from '../../runtime/state.ts';
import { type ImageSource, imageSources } from '../../sources/index.ts';
import { listApps } from '../../store/apps.ts';
import { listClusters } from '../../store/clusters.ts';
import { env } from '../../topology.ts';
import { openDb } from '../connect.ts';
import { renderTable } from '../format.ts';

/** Where it goes in the registry's settings, and exactly what to paste there. */
interface Setting {
  readonly url: string;
  readonly field: string;
  readonly value: string;
  readonly configure: string;
}

/** What to enter in each registry's webhook settings, given the route's URL and its secret. */
const setting: Record<Exclude<ImageSource['name'], 'ecr'>, (url: string, secret: string) => Setting> = {
  distribution: (url, secret) => ({
    url,
    field: 'notifications.endpoints[].headers.Authorization',
    value: `Bearer ${secret}`,
    configure: `config.yml notifications.endpoints[].headers: Authorization: [Bearer ${secret}]`,
  }),
  // Harbor sends the policy's Auth Header verbatim as `Authorization` (lib/sources/harbor.ts).
  harbor: (url, secret) => ({
    url,
    field: 'Auth Header',
    value: `Bearer ${secret}`,
    configure: `webhook policy (HTTP), Auth Header: Bearer ${secret}`,
  }),
  ghcr: (url, secret) => ({
    url,
    field: 'Secret',
    value: secret,
    configure: `GitHub webhook (Packages events, application/json), Secret: ${secret}`,
  }),
  dockerhub: (url, secret) => {
    const withSecret = url.replace('{secret}', secret);
    return {
      url: withSecret,
      field: 'Webhook URL',
      value: withSecret,
      configure: 'the URL is the credential: keep it secret',
    };
  },
};

/** A cluster's kubernetes-event-exporter: its webhook sink (URL, token, config) and the SQS sink alternative. */
interface ExporterRow extends Setting {
  readonly producer: 'kubernetes-event-exporter';
  readonly cluster: string;
  readonly sqs: { readonly queueName: string; readonly region: string; readonly configure: string };
}

/** Where the SQS sink sends: the kubeEvents queue by name (the sink looks its URL up), and its region. */
interface SqsTarget {
  readonly queueName: string;
  readonly region: string;
}

const exporterRow = (base: string, token: string, cluster: string, sqs: SqsTarget): ExporterRow => {
  const url = `${base}${KUBERNETES_HOOK_ROUTE.replace('{cluster}', cluster)}`;
  const clusterToken = kubernetesHookToken(token, cluster);
  return {
    producer: 'kubernetes-event-exporter',
    cluster,
    url,
    field: 'receivers[].webhook.headers.Authorization',
    value: `Bearer ${clusterToken}`,
    configure: webhookExporterConfig({ cluster, url, token: clusterToken }),
    sqs: { ...sqs, configure: sqsExporterConfig({ cluster, ...sqs }) },
  };
};

/** Alertmanager's webhook receiver: one route for every cluster (each alert's `cluster` label says which). */
const alertmanagerRow = (base: string, token: string) => {
  const url = `${base}${ALERTMANAGER_HOOK_ROUTE}`;
  const credentials = alertmanagerHookToken(token);
  return {
    producer: 'alertmanager' as const,
    url,
    field: 'receivers[].webhook_configs[].http_config.authorization.credentials',
    value: credentials,
    configure: alertmanagerConfig({ url, token: credentials }),
  };
};

/** A GitLab project's webhook (Settings > Webhooks): its URL, its secret token, the events to tick. */
const gitlabRow = (base: string, token: string, project: string) => {
  const url = `${base}${GITLAB_HOOK_ROUTE.replace('{project}', project)}`;
  const secret = gitlabHookToken(token, project);
  return {
    producer: 'gitlab' as const,
    project,
    url,
    field: 'Secret token',
    value: secret,
    configure: [
      `URL: ${url}`,
      `Secret token: ${secret}`,
      'Trigger: Pipeline events (only; other events are answered "ignored")',
    ].join('\n'),
  };
};

/** The GitLab projects the registered apps' `ci` entries name (CAPSTAN_TABLE only): undefined without the table. */
const gitlabProjects = async (): Promise<string[] | undefined> => {
  if (!process.env[env.table]) return undefined;
  const { db, close } = await openDb();
  try {
    const apps = await listApps(db);
    const ids = apps.flatMap((a) =>
      Object.values(a.spec.environments).flatMap((e) =>
        (e.ci ?? []).filter((c) => c.provider === 'gitlab').map((c) => c.repositoryId),
      ),
    );
    return [...new Set(ids)].sort();
  } finally {
    close();
  }
};

/**
 * CI jobs' deploy route: there is no secret to hand out, the job's own OIDC ID token is the credential, and the
 * app's environments list the jobs they take (lib/ingest/ci-deploy.ts).
 */
const ciRow = (base: string) => ({
  producer: 'ci' as const,
  url: `${base}${CI_DEPLOY_ROUTE}`,
  field: 'Authorization',
  value: "Bearer <the job's OIDC ID token>",
  configure:
    "no secret: the job's OIDC ID token (audience capstan) is the credential; the app's environments list the jobs they take (`ci:` in the app spec)",
});

/**
 * The registered clusters' names: from the table of CAPSTAN_TABLE, else those the local runtime registered (its
 * state file lists them); undefined when neither is at hand (a deployed stack's token without its table).
 */
const registeredClusters = async (state: RuntimeState | undefined, local: boolean): Promise<string[] | undefined> => {
  if (process.env[env.table]) {
    const { db, close } = await openDb();
    try {
      return (await listClusters(db)).map((c) => c.name);
    } finally {
      close();
    }
  }
  return local ? (state?.clusters ?? []).map((c) => c.name) : undefined;
};

const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');

/**
 * `capstan hooks [--url <api>] [--cluster <name>] [--gitlab-project <id>]`: each registry's webhook URL and
 * credential, Alertmanager's receiver (alertmanager.yml), CI's deploy route (its credential is the job's OIDC
 * token, not a secret), each registered cluster's kubernetes-event-exporter setting (only that cluster's with
 * --cluster), and the pipeline webhook of each GitLab project the apps' `ci` entries name (only that
 * project's with --gitlab-project), derived from the
 * ingest token (hook-secret.ts), for the local runtime or, with CAPSTAN_INGEST_TOKEN or
 * CAPSTAN_INGEST_TOKEN_SECRET_ARN set, a deployed stack. It prints secrets: that is what it is for.
 */
export const hooksCommand = async (
  o: { url?: string; json?: boolean; cluster?: string; gitlabProject?: string },
  out: (line: string) => void,
) => {
  if (o.gitlabProject !== undefined && !/^\d{1,20}$/.test(o.gitlabProject)) {
    throw new InvalidInputError("cannot print that project's setting", [
      `--gitlab-project "${o.gitlabProject}" must be the numeric project ID (Settings > General), not its path`,
    ]);
  }
  const only = o.cluster !== undefined || o.gitlabProject !== undefined;
  if (o.cluster !== undefined && !NameSchema.safeParse(o.cluster).success) {
    throw new InvalidInputError("cannot print that cluster's setting", [
      `--cluster "${o.cluster}" must be a DNS-1123 label, as cluster names are`,
    ]);
  }
  const state = await readState();
  const local = !process.env[env.ingestToken] && !process.env[env.ingestTokenSecretArn];
  if (local && !state) {
    throw new Error(
      `capstan is not running here: start it with \`capstan up\`, or set ${env.ingestToken} or ${env.ingestTokenSecretArn} (with --url) for a deployed stack`,
    );
  }
  if (local && o.url && o.url.replace(/\/+$/, '') !== state?.httpUrl) {
    // The local token with a deployed stack's URL would print secrets that stack refuses.
    throw new InvalidInputError('cannot derive the secrets of that stack', [
      `set ${env.ingestToken} or ${env.ingestTokenSecretArn} to the ingest token of ${o.url}`,
    ]);
  }
  const token = local
    ? (state?.ingestToken as string)
    : await ingestSecret(new SecretsManagerClient({}), process.env)();
  const base = (o.url ?? (local ? state?.httpUrl : undefined) ?? '<api-url>').replace(/\/+$/, '');
  const registries = only
    ? []
    : imageSources.flatMap((source) => {
        if (source.name === 'ecr' || !source.route) return [];
        return [
          { producer: source.name, ...setting[source.name](`${base}${source.route}`, hookSecret(token, source.name)) },
        ];
      });
  const alertmanager = only ? [] : [alertmanagerRow(base, token)];
  const ci = only ? [] : [ciRow(base)];
  const clusters = o.cluster ? [o.cluster] : o.gitlabProject ? [] : await registeredClusters(state, local);
  const projects = o.gitlabProject ? [o.gitlabProject] : o.cluster ? [] : await gitlabProjects();
  const gitlab = (projects ?? []).map((project) => gitlabRow(base, token, project));
  const sqs: SqsTarget = {
    queueName:
      (local ? state?.queues.kubeEvents?.url.split('/').pop() : undefined) ?? '<the stack output KubeEventsQueueName>',
    region: (local ? state?.region : (process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION)) ?? '<region>',
  };
  const exporters = (clusters ?? []).map((cluster) => exporterRow(base, token, cluster, sqs));
  if (o.json) return out(JSON.stringify([...registries, ...alertmanager, ...ci, ...exporters, ...gitlab], null, 2));
  // A blank line between sections, none before the first.
  let printed = false;
  const section = (line: string) => {
    out(printed ? `\n${line}` : line);
    printed = true;
  };
  if (registries.length > 0) {
    printed = true;
    out(
      renderTable(
        ['PRODUCER', 'URL', 'CONFIGURE'],
        registries.map((r) => [r.producer, r.url, r.configure]),
      ),
    );
    out("ECR needs no webhook: the stack's EventBridge rule sends its pushes to the registry queue (IAM).");
  }
  for (const a of alertmanager) {
    section(
      'Alertmanager (alertmanager.yml; every alert must carry a `cluster` label, e.g. Prometheus external_labels):',
    );
    out(indent(a.configure));
    out('or keep the token in a file: http_config.authorization.credentials_file instead of credentials');
  }
  for (const c of ci) {
    section(`CI jobs (GitHub Actions, GitLab CI): POST ${c.url} with Authorization: Bearer <the job's OIDC ID token>`);
    out(indent(c.configure));
  }
  for (const e of exporters) {
    section(`kubernetes-event-exporter of cluster ${e.cluster}: its webhook sink (the token is ${e.cluster}'s own)`);
    out(indent(e.configure));
    out("or its SQS sink (AWS only; the exporter's role needs sqs:GetQueueUrl and sqs:SendMessage on the queue):");
    out(indent(e.sqs.configure));
  }
  if (clusters === undefined) {
    section(
      `kubernetes-event-exporter: \`capstan hooks --cluster <name>\` prints a cluster's setting (set ${env.table} to list every registered cluster's)`,
    );
  } else if (clusters.length === 0 && !o.gitlabProject) {
    section(
      'kubernetes-event-exporter: no clusters registered (`capstan clusters add`, or `capstan hooks --cluster <name>`)',
    );
  }
  for (const g of gitlab) {
    section(`GitLab project ${g.project}: Settings > Webhooks (the token is this project's own)`);
    out(indent(g.configure));
  }
  if (projects === undefined) {
    section(
      `GitLab pipeline webhooks: \`capstan hooks --gitlab-project <id>\` prints a project's setting (set ${env.table} to list every project the apps' \`ci\` entries name)`,
    );
  }
};
