import { createHash, randomUUID } from 'node:crypto';

/** A sha256 digest derived from a label, so a test's "version" always has the same digest. */
export const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * One notification as Distribution (registry:2 / v3) sends it: a manifest push by tag, a push by digest
 * only (no tag), or a blob upload. The shape follows test/fixtures/sources/distribution-*.json.
 */
export const distributionEnvelope = (
  host: string,
  repository: string,
  push: { tag?: string; digest: string; blob?: boolean; timestamp?: string },
) => ({
  events: [
    {
      id: randomUUID(),
      timestamp: push.timestamp ?? new Date().toISOString(),
      action: 'push',
      target: {
        mediaType: push.blob ? 'application/octet-stream' : MANIFEST,
        digest: push.digest,
        size: 1025,
        length: 1025,
        repository,
        url: `http://${host}/v2/${repository}/${push.blob ? 'blobs' : 'manifests'}/${push.digest}`,
        ...(push.tag ? { tag: push.tag } : {}),
      },
      request: { id: randomUUID(), addr: '10.0.0.1:40000', host, method: 'PUT', useragent: 'buildkit/v0.17' },
      actor: { name: 'ci-bot' },
      source: { addr: 'registry-0:5000', instanceID: randomUUID() },
    },
  ],
});
