import { afterEach, describe, expect, it, vi } from 'vitest';
import { onceUnlessFailed } from '../../lib/lambda/once.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('onceUnlessFailed', () => {
  it('loads once and keeps the answer', async () => {
    const load = vi.fn(async () => 'key');
    const get = onceUnlessFailed(load);
    expect(await Promise.all([get(), get(), get()])).toEqual(['key', 'key', 'key']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('a failure is not kept: the next call tries again', async () => {
    const load = vi.fn().mockRejectedValueOnce(new Error('throttled')).mockResolvedValue('key');
    const get = onceUnlessFailed(load as () => Promise<string>);
    await expect(get()).rejects.toThrow('throttled');
    expect(await get()).toBe('key');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('with forMs, loads again once the answer is that old (a rotated key, a secret filled in)', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-04T10:00:00Z') });
    let n = 0;
    const get = onceUnlessFailed(async () => ++n, { forMs: 60_000 });
    expect(await get()).toBe(1);
    vi.advanceTimersByTime(59_999);
    expect(await get()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(await get()).toBe(2);
  });
});
