import { createHmac } from 'node:crypto';
import type { ImageSource } from '../sources/index.ts';

/**
 * The secret one registry's webhook is verified with: derived from the ingest token (HMAC-SHA256 keyed
 * by it, over the producer's name), so each producer holds a credential of its own while there is still
 * one secret to store and rotate. A Docker Hub URL that leaks (its secret is in the path, and Hub shows it
 * to every admin of the repository) opens neither `/events` nor another registry's route.
 */
export const hookSecret = (ingestToken: string, producer: ImageSource['name']): string =>
  createHmac('sha256', ingestToken).update(`capstan/hooks/${producer}`).digest('base64url');

/**
 * The bearer token of one cluster's kubernetes-event-exporter (`POST /hooks/kubernetes/<cluster>`), derived as
 * the registries' secrets are: a token names one cluster, so an exporter can speak for its own cluster only, and a
 * leaked one opens no other route.
 */
export const kubernetesHookToken = (ingestToken: string, cluster: string): string =>
  createHmac('sha256', ingestToken).update(`capstan/hooks/kubernetes/${cluster}`).digest('base64url');

/**
 * The bearer token of Alertmanager's webhook receiver (`POST /hooks/alertmanager`, its
 * `http_config.authorization.credentials`), derived as the others are: it opens that route and no other.
 */
export const alertmanagerHookToken = (ingestToken: string): string =>
  createHmac('sha256', ingestToken).update('capstan/hooks/alertmanager').digest('base64url');

/**
 * The secret token of one GitLab project's pipeline webhook (`POST /hooks/gitlab/<project id>`, GitLab's
 * `X-Gitlab-Token`), derived as the others are: it names one project, so a token leaked from one project's
 * webhook settings (every Maintainer sees them) speaks for that project only.
 */
export const gitlabHookToken = (ingestToken: string, project: string): string =>
  createHmac('sha256', ingestToken).update(`capstan/hooks/gitlab/${project}`).digest('base64url');
