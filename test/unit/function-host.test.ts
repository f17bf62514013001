import { describe, expect, it } from 'vitest';
import { startFunctionHost } from '../../lib/runtime/function-host.ts';
import { env } from '../../lib/topology.ts';

// A host of the fixture handler in the `sweep` slot: sweep's 60 s timeout; the fixture reports or misbehaves.
const host = (concurrency = 1) =>
  startFunctionHost('sweep', { ONLY: 'this' }, { concurrency, entry: 'test/fixtures/functions/probe.ts' });
type Seen = { env: Record<string, string>; threadId: number };

describe('a function host', () => {
  it('runs the function with its environment only, not this process’s', async () => {
    process.env[env.table] = 'set-in-this-process';
    const h = await host();
    try {
      expect(((await h.invoke({ do: 'env' })) as Seen).env).toEqual({ ONLY: 'this' });
    } finally {
      delete process.env[env.table];
      await h.stop();
    }
  });

  it('fails fast when the function’s cold start fails (its configuration is missing)', async () => {
    // sweep's own handler needs CAPSTAN_TABLE; this process has it, the function does not.
    process.env[env.table] = 'set-in-this-process';
    try {
      await expect(startFunctionHost('sweep', { PATH: process.env.PATH ?? '' })).rejects.toThrow(
        /function capstan-sweep failed to start: invalid configuration: CAPSTAN_TABLE is not set/,
      );
    } finally {
      delete process.env[env.table];
    }
  });

  it('gives each concurrent invocation an environment of its own; a crash fails only its own', async () => {
    const h = await host(2);
    try {
      const slow = h.invoke<Seen>({ do: 'sleep', ms: 300 });
      const crash = h.invoke({ do: 'crash' });
      await expect(crash).rejects.toThrow(/exited \(code 3\) during the invocation/);
      const survivor = await slow;
      // A new environment replaces the crashed one.
      const after = await h.invoke<Seen>({ do: 'env' });
      expect(after.env).toEqual({ ONLY: 'this' });
      expect(after.threadId === survivor.threadId || after.threadId > survivor.threadId).toBe(true);
    } finally {
      await h.stop();
    }
  });

  it('an error or an unclonable result fails the invocation, not the environment', async () => {
    const h = await host();
    try {
      await expect(h.invoke({ do: 'throw' })).rejects.toThrow('the handler failed');
      await expect(h.invoke({ do: 'unclonable' })).rejects.toThrow(/result not serializable/);
      const first = await h.invoke<Seen>({ do: 'env' });
      expect((await h.invoke<Seen>({ do: 'env' })).threadId).toBe(first.threadId);
    } finally {
      await h.stop();
    }
  });

  it('ends an invocation at the function’s timeout and replaces its environment, as Lambda does', async () => {
    // The ingest slot: a 10 s timeout.
    const h = await startFunctionHost('ingest', {}, { concurrency: 1, entry: 'test/fixtures/functions/probe.ts' });
    try {
      const before = await h.invoke<Seen>({ do: 'env' });
      await expect(h.invoke({ do: 'sleep', ms: 60_000 })).rejects.toThrow(/timed out after 10 s/);
      expect((await h.invoke<Seen>({ do: 'env' })).threadId).not.toBe(before.threadId);
    } finally {
      await h.stop();
    }
  });

  it('queues invocations beyond its concurrency, and refuses new ones once stopped', async () => {
    const h = await host(1);
    const started = Date.now();
    const both = await Promise.all([
      h.invoke<Seen>({ do: 'sleep', ms: 200 }),
      h.invoke<Seen>({ do: 'sleep', ms: 200 }),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(both[0].threadId).toBe(both[1].threadId);
    await h.stop();
    await expect(h.invoke({ do: 'env' })).rejects.toThrow(/is stopped/);
  });
});
