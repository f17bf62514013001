/**
 * `load` run once per process and its answer kept, unless it failed: then the next call tries again (a
 * secret or key that could not be read now must not stay unreadable until the function is recycled).
 */
export const onceUnlessFailed = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let cached: Promise<T> | undefined;
  return () => {
    cached ??= load().catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
};
