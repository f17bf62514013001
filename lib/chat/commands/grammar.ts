import { NameSchema } from '../../../events/envelope.ts';
import { checkImageRef, TagSchema } from '../../../events/image-ref.ts';
import { InvalidInputError } from '../../errors.ts';
import { scaleMode } from '../../requests/scale-mode.ts';

/**
 * `/capstan <verb> ...`: the few things a person may ask in chat, parsed without reading anything. The
 * words are the CLI's (`capstan rollback <app> --env`...), shortened where chat makes a flag tedious: the
 * environment is a word of its own.
 */
export type ChatCommand =
  | {
      readonly kind: 'deploy';
      readonly app: string;
      readonly environment: string;
      readonly image?: string;
      readonly tag?: string;
    }
  | { readonly kind: 'rollback'; readonly app: string; readonly environment: string; readonly to?: number }
  | { readonly kind: 'promote'; readonly app: string; readonly from: string; readonly to: string }
  | { readonly kind: 'status'; readonly app: string }
  | { readonly kind: 'history'; readonly app: string }
  | { readonly kind: 'approve'; readonly app: string; readonly environment: string }
  | {
      readonly kind: 'scale';
      readonly app: string;
      readonly environment: string;
      readonly cluster: string;
      readonly max?: number;
      readonly forSeconds?: number;
      readonly revert?: true;
    }
  /** `help`, nothing, or something capstan cannot read: the usage, with what was wrong when something was. */
  | { readonly kind: 'help'; readonly problem?: string };

export const USAGE = [
  '`/capstan deploy <app> <env> <image-ref>` or `--tag <tag>` (role request)',
  '`/capstan rollback <app> <env> [--to N]` (role rollback)',
  '`/capstan promote <app> --from <env> --to <env>` (role request in the target)',
  '`/capstan approve <app> <env>`: approves the newest open approval (role approve)',
  '`/capstan scale <app> <env> --cluster <c> --max <n> [--for 1h]` or `--revert` (role scale)',
  '`/capstan status <app>`, `/capstan history <app>`',
].join('\n');

interface Words {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

const VALUED = new Set(['tag', 'to', 'from', 'cluster', 'max', 'for']);
const BARE = new Set(['revert']);

/** Words and `--flag value` / `--flag=value` pairs; a flag capstan does not know, or given twice, is a problem. */
const split = (text: string): Words | string => {
  // Slack turns quotes into curly ones and may add non-breaking spaces: any white space separates words.
  const tokens = text
    .trim()
    .split(/\s+/u)
    .filter((t) => t.length > 0);
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (!token.startsWith('--')) {
      positional.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq >= 0 ? eq : undefined);
    if (flags.has(name)) return `--${name} is given twice`;
    if (BARE.has(name)) {
      if (eq >= 0) return `--${name} takes no value`;
      flags.set(name, true);
    } else if (VALUED.has(name)) {
      const value = eq >= 0 ? token.slice(eq + 1) : tokens[++i];
      if (value === undefined || value === '') return `--${name} needs a value`;
      flags.set(name, value);
    } else return `unknown option --${name}`;
  }
  return { positional, flags };
};

const problemOfName = (what: string, value: string | undefined): string | undefined => {
  if (value === undefined) return `<${what}> is missing`;
  const r = NameSchema.safeParse(value);
  return r.success ? undefined : `${what} "${value}" ${r.error.issues[0]?.message ?? 'is not valid'}`;
};

const wholeNumber = (flag: string, value: string, min: number, max: number): number | string => {
  if (!/^\d{1,7}$/.test(value) || Number(value) < min || Number(value) > max) {
    return `--${flag} ${value}: must be a whole number from ${min} to ${max}`;
  }
  return Number(value);
};

/** Which flags each verb takes: any other is refused, so a typo never changes what is asked. */
const ALLOWED: Record<string, readonly string[]> = {
  deploy: ['tag'],
  rollback: ['to'],
  promote: ['from', 'to'],
  status: [],
  history: [],
  approve: [],
  scale: ['cluster', 'max', 'for', 'revert'],
};
/** How many words after the verb: the app, and the environment where there is one. */
const ARITY: Record<string, readonly [number, number]> = {
  deploy: [2, 3],
  rollback: [2, 2],
  promote: [1, 1],
  status: [1, 1],
  history: [1, 1],
  approve: [2, 2],
  scale: [2, 2],
};

export const parseChatCommand = (text: string): ChatCommand => {
  const words = split(text);
  if (typeof words === 'string') return { kind: 'help', problem: words };
  const [verb, ...rest] = words.positional;
  if (verb === undefined || verb.toLowerCase() === 'help') return { kind: 'help' };
  const allowed = ALLOWED[verb];
  const arity = ARITY[verb];
  if (!allowed || !arity) return { kind: 'help', problem: `unknown command "${verb.slice(0, 40)}"` };
  const extra = [...words.flags.keys()].find((f) => !allowed.includes(f));
  if (extra) return { kind: 'help', problem: `${verb} takes no --${extra}` };
  if (rest.length > arity[1])
    return { kind: 'help', problem: `too many words for ${verb}: "${rest.slice(arity[1]).join(' ')}"` };
  const [app, environment, third] = rest;
  const names = [problemOfName('app', app), arity[0] >= 2 ? problemOfName('env', environment) : undefined];
  const problem = names.find((p) => p !== undefined);
  if (problem) return { kind: 'help', problem };
  const a = app as string;
  const e = environment as string;
  const flag = (name: string) => words.flags.get(name) as string | undefined;
  switch (verb) {
    case 'deploy':
      return deploy(a, e, third, flag('tag'));
    case 'rollback': {
      const to = flag('to');
      if (to === undefined) return { kind: 'rollback', app: a, environment: e };
      const n = wholeNumber('to', to, 1, 9_999_999);
      return typeof n === 'string' ? { kind: 'help', problem: n } : { kind: 'rollback', app: a, environment: e, to: n };
    }
    case 'promote': {
      const from = flag('from');
      const to = flag('to');
      const bad = [problemOfName('--from env', from), problemOfName('--to env', to)].find((p) => p !== undefined);
      if (bad) return { kind: 'help', problem: bad };
      if (from === to) return { kind: 'help', problem: '--from and --to must differ' };
      return { kind: 'promote', app: a, from: from as string, to: to as string };
    }
    case 'status':
    case 'history':
      return { kind: verb, app: a };
    case 'approve':
      return { kind: 'approve', app: a, environment: e };
    default:
      return scale(a, e, words.flags);
  }
};

const deploy = (app: string, environment: string, image: string | undefined, tag: string | undefined): ChatCommand => {
  if ((image === undefined) === (tag === undefined)) {
    return { kind: 'help', problem: 'deploy needs an image reference or --tag <tag>, one of the two' };
  }
  if (tag !== undefined) {
    const t = TagSchema.safeParse(tag);
    return t.success
      ? { kind: 'deploy', app, environment, tag }
      : { kind: 'help', problem: `--tag ${tag}: ${t.error.issues[0]?.message}` };
  }
  // Slack links a reference that looks like a host: `<http://ghcr.io/acme/api:1|ghcr.io/acme/api:1>`.
  const ref = unlink(image as string);
  const checked = checkImageRef(ref);
  return typeof checked === 'string'
    ? { kind: 'help', problem: `image "${ref.slice(0, 300)}": ${checked}` }
    : { kind: 'deploy', app, environment, image: ref };
};

/** Slack's auto-link `<url|text>` back to the text the person typed. */
const unlink = (word: string): string => {
  const m = /^<[^|>]*\|([^>]*)>$/.exec(word);
  return m ? (m[1] as string) : word;
};

const scale = (app: string, environment: string, flags: Map<string, string | true>): ChatCommand => {
  const maxText = flags.get('max') as string | undefined;
  let max: number | undefined;
  if (maxText !== undefined) {
    const n = wholeNumber('max', maxText, 1, 1000);
    if (typeof n === 'string') return { kind: 'help', problem: n };
    max = n;
  }
  try {
    // The CLI's own reading of the same flags (lib/requests/scale-mode.ts), so both refuse the same combinations.
    const mode = scaleMode({
      env: environment,
      cluster: flags.get('cluster') as string | undefined,
      max,
      for: flags.get('for') as string | undefined,
      revert: flags.get('revert') === true,
    });
    if (mode.kind === 'show') return { kind: 'help', problem: 'scale needs --cluster with --max <n> or --revert' };
    const cluster = problemOfName('cluster', mode.cluster);
    if (cluster) return { kind: 'help', problem: cluster };
    return mode.kind === 'revert'
      ? { kind: 'scale', app, environment, cluster: mode.cluster, revert: true }
      : {
          kind: 'scale',
          app,
          environment,
          cluster: mode.cluster,
          max: mode.max,
          ...(mode.forSeconds !== undefined ? { forSeconds: mode.forSeconds } : {}),
        };
  } catch (error) {
    if (error instanceof InvalidInputError) return { kind: 'help', problem: error.issues.join('; ') };
    throw error;
  }
};
