import { z } from 'zod';
import { InvalidInputError } from '../errors.ts';

/**
 * The Ceph monitor commands capstan sends through the manager's `restful` module (`POST /request?wait=1`),
 * and how their answers read (issue 11). Pure: the HTTP client that sends them is separate. Two quirks of
 * the module, found on a real Pacific cluster (../shared/infra-notes.md): `expire` must be a JSON float
 * (`600.0`; an integer is refused), and a failed command is still HTTP 200, with `state: "failed"`.
 */

/** An IPv4 or IPv6 address, as a Node's status.addresses gives it: nothing that could read as more. */
const IpSchema = z.union([z.ipv4(), z.ipv6()]);

/**
 * Blocklisting a node's address blocks every client of that address (`<ip>:0/0`: any port, any nonce),
 * which is what a dead node's many RBD clients need.
 */
const entityOf = (ip: string): string => {
  const parsed = IpSchema.safeParse(ip);
  if (!parsed.success) throw new InvalidInputError(`not an IP address to blocklist: ${JSON.stringify(ip)}`);
  return ip.includes(':') ? `[${ip}]:0/0` : `${ip}:0/0`;
};

/** A mon command body, with `expire` written as the float the module insists on. */
const body = (command: Record<string, string>, expireSeconds?: number): string => {
  const json = JSON.stringify(command);
  if (expireSeconds === undefined) return json;
  if (!Number.isInteger(expireSeconds) || expireSeconds <= 0) {
    throw new InvalidInputError(`blocklist expiry must be a positive whole number of seconds, not ${expireSeconds}`);
  }
  return `${json.slice(0, -1)},"expire":${expireSeconds}.0}`;
};

export const blocklistAdd = (ip: string, expireSeconds: number): string =>
  body({ prefix: 'osd blocklist', blocklistop: 'add', addr: entityOf(ip) }, expireSeconds);

/** Removing an entry that is not there succeeds too (Ceph says so): a repeat is harmless. */
export const blocklistRemove = (ip: string): string =>
  body({ prefix: 'osd blocklist', blocklistop: 'rm', addr: entityOf(ip) });

/** `osd dump` holds the blocklist (`blocklist ls` prints two concatenated arrays, unreadable as JSON). */
export const osdDump = (): string => body({ prefix: 'osd dump', format: 'json' });

const RequestAnswerSchema = z.looseObject({
  state: z.string(),
  finished: z.array(z.looseObject({ outb: z.string().optional(), outs: z.string().optional() })).optional(),
  failed: z.array(z.looseObject({ outs: z.string().optional() })).optional(),
});

export type MonAnswer = { readonly ok: true; readonly outb: string } | { readonly ok: false; readonly reason: string };

/** What `POST /request?wait=1` answered: the command's output, or why it failed (HTTP 200 all the same). */
export const readMonAnswer = (json: unknown): MonAnswer => {
  const parsed = RequestAnswerSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'the Ceph manager answered something that is not a request result' };
  const answer = parsed.data;
  if (answer.state === 'success') return { ok: true, outb: answer.finished?.map((f) => f.outb ?? '').join('') ?? '' };
  const why = [...(answer.failed ?? []), ...(answer.finished ?? [])]
    .map((f) => f.outs)
    .filter(Boolean)
    .join('; ');
  return { ok: false, reason: `the command ${answer.state}${why ? `: ${why}` : ''}` };
};

const OsdDumpSchema = z.looseObject({
  blocklist: z.record(z.string(), z.string()).default({}),
  range_blocklist: z.record(z.string(), z.string()).default({}),
});

/** The blocklisted entities (`127.0.0.2:0/0`) and when each expires, from `osd dump`'s JSON. */
export const blocklistOf = (osdDumpJson: string): Record<string, string> => {
  let raw: unknown;
  try {
    raw = JSON.parse(osdDumpJson);
  } catch {
    throw new InvalidInputError('osd dump did not answer JSON');
  }
  const dump = OsdDumpSchema.parse(raw);
  return { ...dump.blocklist, ...dump.range_blocklist };
};
