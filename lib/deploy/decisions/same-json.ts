/**
 * Whether two JSON values are equal regardless of object key order: what the table gives back is the same
 * document, but DynamoDB maps do not keep the order their keys were written in.
 */
export const sameJson = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

const canonical = (value: unknown): string => JSON.stringify(value, (_key, v) => sortKeys(v));

const sortKeys = (v: unknown): unknown =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
    : v;
