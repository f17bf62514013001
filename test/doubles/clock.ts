/** A clock that moves only when the test says so: deadlines, backoffs and history times are exact. */
export interface TestClock {
  readonly now: () => Date;
  advance(seconds: number): void;
}

export const testClock = (start = '2026-12-01T10:00:00.000Z'): TestClock => {
  let at = Date.parse(start);
  return {
    now: () => new Date(at),
    advance: (seconds) => {
      at += seconds * 1000;
    },
  };
};
