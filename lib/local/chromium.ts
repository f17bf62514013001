import { ensureAptPackages } from './apt.ts';

/** Debian's Chromium: the dashboard's browser tests drive it (puppeteer-core brings no browser of its own). */
export const CHROMIUM = '/usr/bin/chromium';

/** Installs Chromium from apt at first use (we are root on the test machines); a no-op once it is there. */
export const ensureChromium = (log: (line: string) => void): Promise<string> =>
  ensureAptPackages(
    { what: 'chromium', packages: ['chromium'], files: [CHROMIUM], cost: 'about a minute, 300 MB' },
    log,
  ).then(() => CHROMIUM);

/**
 * Flags for a headless Chromium on a test machine: root needs --no-sandbox; nothing reaches out (no
 * component updates, no sync, no background requests): everything it talks to is on loopback.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--metrics-recording-only',
] as const;
