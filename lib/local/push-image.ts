import { createHash } from 'node:crypto';

/**
 * Pushes a small OCI image to a registry over the Distribution API, as `docker push` would: the layer and
 * config blobs first (monolithic uploads), then the manifest under its tag. The registry then sends its
 * notifications (blob pushes and the tagged manifest push) like for any other push. kwok runs no
 * containers, so the layer is a few bytes; `content` makes each image (and so its digest) distinct.
 */
export const pushImage = async (registryUrl: string, repository: string, tag: string, content = tag) => {
  const layer = Buffer.from(`capstan demo layer: ${repository}:${content}`);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { 'org.opencontainers.image.version': tag } },
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
    }),
  );
  const base = `${registryUrl}/v2/${repository}`;
  await uploadBlob(base, layer);
  await uploadBlob(base, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }],
    }),
  );
  const response = await fetch(`${base}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  await expectStatus(response, 201, `PUT manifest ${repository}:${tag}`);
  return {
    digest: sha256(manifest),
    reference: `${new URL(registryUrl).host}/${repository}:${tag}@${sha256(manifest)}`,
  };
};

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const uploadBlob = async (base: string, blob: Buffer) => {
  const started = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
  await expectStatus(started, 202, 'start blob upload');
  const location = new URL(started.headers.get('location') ?? '', base);
  location.searchParams.set('digest', sha256(blob));
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: blob,
  });
  await expectStatus(put, 201, `upload blob ${sha256(blob)}`);
};

const expectStatus = async (response: Response, status: number, what: string) => {
  if (response.status !== status) {
    throw new Error(`${what}: registry answered ${response.status} ${(await response.text()).slice(0, 300)}`);
  }
};
