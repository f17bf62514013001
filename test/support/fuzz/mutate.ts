import fc from 'fast-check';

type Json = unknown;
type Path = readonly (string | number)[];

/** Every path into a JSON value, the root included, so a mutation can reach any field. */
const pathsOf = (value: Json, at: Path = []): Path[] => {
  const here: Path[] = [at];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => pathsOf(v, [...at, i])));
  if (value && typeof value === 'object') {
    return here.concat(...Object.entries(value).map(([k, v]) => pathsOf(v, [...at, k])));
  }
  return here;
};

const clone = <T>(value: T): T => structuredClone(value);

const setAt = (
  root: Json,
  path: Path,
  change: (parent: Record<string | number, Json>, key: string | number) => void,
) => {
  if (path.length === 0) return;
  let parent = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  change(parent, path[path.length - 1] as string | number);
};

/** A replacement of a wrong type or shape: other JSON, unicode, a huge string (still under the body limit). */
const strangeValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(null, true, 0, -1, 1e21, 1.5, '', ' ', [], {}, '\uffff', 'ǅ', 'sha256:', '../../etc'),
  fc.integer({ min: 1000, max: 150_000 }).map((n) => 'x'.repeat(n)),
);

export interface Mutation {
  readonly note: string;
  readonly apply: (value: Json) => Json;
}

/**
 * A random change to a payload: a field removed, replaced by something of another type or shape, or an extra
 * field added. The result may still be valid (an extra field most formats let through), so callers expect
 * either a 202 or a 400 and check what a 202 enqueued.
 */
export const jsonMutation = (value: Json): fc.Arbitrary<Mutation> => {
  const paths = pathsOf(value);
  return fc
    .tuple(fc.nat({ max: paths.length - 1 }), fc.constantFrom('remove', 'replace', 'add'), strangeValue, fc.string())
    .map(([i, op, strange, key]) => {
      const path = paths[i] ?? [];
      const where = path.join('.') || '(root)';
      return {
        note: `${op} ${where}`,
        apply: (v: Json) => {
          if (path.length === 0 && op !== 'add') return strange;
          const out = clone(v);
          if (op === 'add') {
            const target = path.reduce<Json>((o, k) => (o as Record<string | number, Json>)[k], out);
            if (target && typeof target === 'object' && !Array.isArray(target)) {
              (target as Record<string, Json>)[key || 'extra'] = strange;
            } else if (Array.isArray(target)) target.push(strange);
            return out;
          }
          setAt(out, path, (parent, k) => {
            if (op === 'replace') parent[k] = strange;
            else if (Array.isArray(parent)) parent.splice(k as number, 1);
            else delete parent[k];
          });
          return out;
        },
      };
    });
};

/** Byte-level damage: flipped bytes and invalid UTF-8 sequences at random places. */
export const byteMutation: fc.Arbitrary<{ note: string; apply: (body: Buffer) => Buffer }> = fc.oneof(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map((flips) => ({
    note: `${flips.length} byte(s) flipped`,
    apply: (body: Buffer) => {
      const out = Buffer.from(body);
      for (const [at, mask] of flips) if (out.length) out[at % out.length] = (out[at % out.length] ?? 0) ^ mask;
      return out;
    },
  })),
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom(
        [0xff],
        [0xc3, 0x28],
        [0xe2, 0x28, 0xa1],
        [0xf0, 0x28, 0x8c, 0x28],
        [0xed, 0xa0, 0x80],
        [0xc0, 0xaf],
      ),
    )
    .map(([at, bytes]) => ({
      note: `invalid UTF-8 ${Buffer.from(bytes).toString('hex')} inserted`,
      apply: (body: Buffer) => {
        const i = body.length ? at % body.length : 0;
        return Buffer.concat([body.subarray(0, i), Buffer.from(bytes), body.subarray(i)]);
      },
    })),
);

/** Bodies that are certainly not the payload: not JSON at all, or JSON in another encoding. */
export const undecodable: fc.Arbitrary<{ note: string; apply: (body: Buffer) => Buffer }> = fc.constantFrom(
  { note: 'empty body', apply: () => Buffer.alloc(0) },
  { note: 'truncated', apply: (b: Buffer) => b.subarray(0, Math.floor(b.length / 2)) },
  { note: 'base64 of the body', apply: (b: Buffer) => Buffer.from(b.toString('base64')) },
  { note: 'UTF-16LE', apply: (b: Buffer) => Buffer.from(b.toString('utf8'), 'utf16le') },
  { note: 'gzip magic and junk', apply: (b: Buffer) => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08]), b]) },
  { note: 'XML', apply: () => Buffer.from('<?xml version="1.0"?><events/>') },
);

export const withBom = (body: Buffer) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]);
