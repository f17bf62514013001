import { defineConfig } from 'vitest/config';

// As lib/cli/bin.js: the SDK's "releases after January 2027 need Node 22" notice, once per worker, says
// nothing actionable (package.json pins SDK releases that support Node 20) and buries the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Two projects: `unit` needs no servers; `integration` shares one set of real emulators and local
// clusters per run (test/harness/global-setup.ts) and runs files one at a time on the 2-core machines.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
