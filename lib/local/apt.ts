import { existsSync } from 'node:fs';
import { runStep } from './step.ts';

/**
 * Test files install their packages at first use, side by side (Chromium for two browser suites, Ceph,
 * PostgreSQL): apt takes its locks one at a time and fails at once on a held one, so every apt-get of
 * capstan's waits for the others under one lock (util-linux `flock`, on every Debian) instead.
 */
const LOCK = '/tmp/capstan-apt.lock';
const serialized = (args: string[]) =>
  existsSync('/usr/bin/flock')
    ? { command: '/usr/bin/flock', args: ['--wait', '1800', LOCK, 'apt-get', ...args] }
    : { command: 'apt-get', args };

const apt = (args: string[], log: (line: string) => void) =>
  runStep({
    name: 'apt-get',
    ...serialized(args),
    log,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    // dpkg's per-file bookkeeping says nothing a reader needs.
    hide: /^\(Reading database|^Selecting previously|^Preparing to unpack|^Unpacking |^Setting up |^Processing triggers/,
  });

export interface AptPackages {
  /** For messages, e.g. `ceph`. */
  readonly what: string;
  readonly packages: readonly string[];
  /** Files whose presence says the packages are installed already. */
  readonly files: readonly string[];
  /** Said before installing, e.g. `about 20 s, 250 MB`. */
  readonly cost?: string;
}

/** Installs Debian packages (we are root) unless their files are there; a no-op when they are. */
export const ensureAptPackages = async (p: AptPackages, log: (line: string) => void): Promise<void> => {
  if (p.files.every((f) => existsSync(f))) return;
  log(`${p.what}: installing ${p.packages.join(' ')}${p.cost ? ` (${p.cost})` : ''}`);
  // Another tool's apt (unattended upgrades) holds dpkg's lock: wait for it a while, rather than fail.
  const install = ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', ...p.packages];
  try {
    await apt(install, log);
  } catch {
    // A fresh image has no package lists, or stale ones (their .debs 404): update once, then try again; a
    // second failure is real and thrown.
    log(`${p.what}: the install failed; running apt-get update, then installing again`);
    await apt(['update'], log);
    await apt(install, log);
  }
  log(`${p.what}: packages installed`);
};
