import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stripVTControlCharacters } from 'node:util';
import { track } from './process.ts';

export interface StepOptions {
  /** Prefix of every line, e.g. `kubernetes`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly log: (line: string) => void;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Lines not worth showing (still kept for the error message), e.g. go's `go: added` bookkeeping. */
  readonly hide?: RegExp;
  /** How often to say "still running" while the step is silent or not; a cold Kubernetes build is quiet for minutes. */
  readonly heartbeatMs?: number;
}

export const formatElapsed = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

/**
 * Runs one finite build step (a script, mvn), streaming its output as `name | line` and printing a
 * heartbeat with the elapsed time, so a long compile never looks hung. Rejects on a non-zero exit with
 * the last lines of output, which is where go and mvn put the reason.
 */
export const runStep = (o: StepOptions): Promise<void> =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    const recent: string[] = [];
    // Its own process group, tracked: if we are interrupted, the script and the `go build` it runs are
    // stopped together (bash alone would wait for go to finish first, keeping both cores busy for minutes).
    const child = spawn(o.command, o.args, {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    track(child, true);
    const onLine = (raw: string) => {
      // Colour codes (mvn prints some even in batch mode) would garble a log file or CI output.
      const line = stripVTControlCharacters(raw).trimEnd();
      if (line === '') return;
      recent.push(line);
      if (recent.length > 30) recent.shift();
      if (!o.hide?.test(line)) o.log(`${o.name} | ${line}`);
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    const heartbeat = setInterval(
      () => o.log(`${o.name}: still running (${formatElapsed(Date.now() - started)} elapsed)`),
      o.heartbeatMs ?? 30_000,
    );
    heartbeat.unref();
    child.once('error', (error) => {
      clearInterval(heartbeat);
      reject(new Error(`${o.name}: could not run ${o.command}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearInterval(heartbeat);
      if (code === 0) return resolve();
      const why = code === null ? `killed by ${signal}` : `exit code ${code}`;
      reject(
        new Error(
          `${o.name}: \`${o.command} ${o.args.join(' ')}\` failed (${why}); last output:\n${recent.join('\n')}`,
        ),
      );
    });
  });
