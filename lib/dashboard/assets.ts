import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Asset } from './ports.ts';

/**
 * The files the pages load: capstan's own style sheet, and htmx as its npm package ships it (no build
 * step, no CDN). In the source tree they are read where they are; the Lambda bundle carries copies in an
 * `assets/` folder beside it (cdk/functions.ts copies `ASSETS` there after bundling).
 */
export const ASSETS = {
  'dashboard.css': { contentType: 'text/css; charset=utf-8', source: { own: 'lib/dashboard/assets/dashboard.css' } },
  'htmx.min.js': {
    contentType: 'text/javascript; charset=utf-8',
    source: { package: 'htmx.org/dist/htmx.min.js' },
  },
} as const satisfies Record<string, { contentType: string; source: { own: string } | { package: string } }>;

export type AssetName = keyof typeof ASSETS;

const here = dirname(fileURLToPath(import.meta.url));

/** Where a file is: beside the bundle when bundled, else in the source tree or node_modules. */
export const assetPath = (name: AssetName, root = join(here, '../..')): string => {
  const bundled = join(here, 'assets', name);
  if (existsSync(bundled)) return bundled;
  const { source } = ASSETS[name];
  return 'own' in source ? join(root, source.own) : createRequire(import.meta.url).resolve(source.package);
};

const loaded = new Map<string, Asset>();

/** An asset by file name, read once per process; undefined for a name that is not one. */
export const readAsset = (file: string): Asset | undefined => {
  if (!Object.hasOwn(ASSETS, file)) return undefined;
  const name = file as AssetName;
  let asset = loaded.get(name);
  if (!asset) {
    asset = { contentType: ASSETS[name].contentType, body: readFileSync(assetPath(name), 'utf8') };
    loaded.set(name, asset);
  }
  return asset;
};
