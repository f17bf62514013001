import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Asset } from './ports.ts';

/**
 * The files the pages load: capstan's own style sheet (beside this file, in `assets/`), and htmx as its
 * npm package ships it (no build step, no CDN). The Lambda bundle carries copies of both in an `assets/`
 * folder beside it (cdk/functions.ts copies every one there after bundling), where `assetPath` finds them
 * first, as it finds the style sheet in the source tree.
 */
export const ASSETS = {
  'dashboard.css': { contentType: 'text/css; charset=utf-8' },
  'htmx.min.js': { contentType: 'text/javascript; charset=utf-8', package: 'htmx.org/dist/htmx.min.js' },
} as const satisfies Record<string, { contentType: string; package?: string }>;

export type AssetName = keyof typeof ASSETS;

const here = dirname(fileURLToPath(import.meta.url));

/** Where a file is: in `assets/` beside this module (or the bundle), else in its npm package. */
export const assetPath = (name: AssetName): string => {
  const beside = join(here, 'assets', name);
  const spec: { readonly contentType: string; readonly package?: string } = ASSETS[name];
  return existsSync(beside) || !spec.package ? beside : createRequire(import.meta.url).resolve(spec.package);
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
