/**
 * `load` run once per process and its answer kept (for `forMs` when given, then loaded again), unless it
 * failed: then the next call tries again (a secret or key that could not be read now must not stay
 * unreadable until the function is recycled).
 */
export const onceUnlessFailed = <T>(load: () => Promise<T>, o: { forMs?: number } = {}): (() => Promise<T>) => {
  let cached: { value: Promise<T>; at: number } | undefined;
  return () => {
    if (cached && o.forMs !== undefined && Date.now() - cached.at >= o.forMs) cached = undefined;
    if (!cached) {
      const value = load().catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
      cached = { value, at: Date.now() };
    }
    return cached.value;
  };
};
