import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../events/index.ts';
import sample from '../../events/samples/deploy.requested.json' with { type: 'json' };
import { REVISION_ANNOTATION, renderManifests, stampRevision } from '../../lib/deploy/render/manifests.ts';

const request = (data: Record<string, unknown> = {}) => {
  const parsed = parseEvent({ ...sample, data: { ...sample.data, ...data } });
  if (!parsed.ok || parsed.event.type !== 'deploy.requested') throw new Error(JSON.stringify(parsed));
  return parsed.event.data;
};

describe('renderManifests', () => {
  it('renders Namespace, Deployment and Service in apply order', () => {
    const objects = renderManifests(request());
    expect(objects.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`)).toEqual([
      'Namespace//demo',
      'Deployment/demo/hello',
      'Service/demo/hello',
    ]);
    const deployment = objects[1] as unknown as { spec: Record<string, any> };
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'hello' });
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({
      name: 'hello',
      image: sample.data.image,
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    });
  });

  it('omits the Service when no port is declared', () => {
    expect(renderManifests(request({ ports: [] })).map((o) => o.kind)).toEqual(['Namespace', 'Deployment']);
  });

  it('is deterministic, so a second apply can be unchanged', () => {
    expect(JSON.stringify(renderManifests(request()))).toBe(JSON.stringify(renderManifests(request())));
  });
});

describe('stampRevision', () => {
  it('annotates the Deployment only, never its pod template (which would restart pods)', () => {
    const stamped = stampRevision(renderManifests(request()), 7) as unknown as Record<string, any>[];
    expect(stamped[1]?.metadata.annotations).toEqual({ [REVISION_ANNOTATION]: '7' });
    expect(stamped[1]?.spec.template.metadata.annotations).toBeUndefined();
    expect(stamped[0]?.metadata.annotations).toBeUndefined();
    expect(stamped[2]?.metadata.annotations).toBeUndefined();
  });
});

describe('service ports', () => {
  it('names unnamed ports uniquely, even one number over two protocols', () => {
    const objects = renderManifests(
      request({
        ports: [
          { containerPort: 53, protocol: 'TCP' },
          { containerPort: 53, protocol: 'UDP' },
        ],
      }),
    ) as unknown as Record<string, any>[];
    expect(objects[2]?.spec.ports.map((p: { name: string }) => p.name)).toEqual(['tcp-53', 'udp-53']);
  });
});
