import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * esbuild on this machine, never Docker. ESM like the source; bundled packages that still call
 * `require` (CommonJS inside ESM output) get one from the banner. The AWS SDK is bundled too
 * (externalModules []), so Lambda runs exactly the SDK versions package-lock.json pins and the local
 * runtime is tested with, not whatever SDK the managed runtime ships that month.
 */
export const bundling: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire as capstanCreateRequire } from 'node:module'; const require = capstanCreateRequire(import.meta.url);",
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: [],
  forceDockerBundling: false,
};

/** `bundling`, then `files` copied into an `assets/` folder beside the bundle (the dashboard's pages load them). */
export const bundlingWithAssets = (files: readonly string[]): BundlingOptions => ({
  ...bundling,
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_input: string, output: string) => [
      `mkdir -p "${output}/assets"`,
      ...files.map((f) => `cp "${f}" "${output}/assets/"`),
    ],
  },
});
