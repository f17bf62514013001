import { type AppSpec, AppSpecSchema } from '../../lib/apps/spec.ts';

/** A one-container app of the local registry (`registry.local:5000/acme/<app>`), small limits, its environments as given. */
export const registryApp = (app: string, environments: Record<string, unknown>): AppSpec =>
  AppSpecSchema.parse({
    name: app,
    namespace: app,
    containers: [
      { name: 'web', repository: `registry.local:5000/acme/${app}`, limits: { cpu: '100m', memory: '32Mi' } },
    ],
    environments,
  });
