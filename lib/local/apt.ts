import { existsSync } from 'node:fs';
import { runStep } from './step.ts';

const apt = (args: string[], log: (line: string) => void) =>
  runStep({
    name: 'apt-get',
    command: 'apt-get',
    args,
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
  // Test files install their packages at first use, side by side: wait for another's dpkg lock, not fail.
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
