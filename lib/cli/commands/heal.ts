import { hostname, userInfo } from 'node:os';
import { NameSchema } from '../../../events/envelope.ts';
import { eventId, type HealCheck } from '../../../events/index.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../../errors.ts';
import { approvalOf, cancellationOf, isSettledPhase } from '../../heal/decisions/operator.ts';
import { healCheck } from '../../heal/render/events.ts';
import { findCluster, listClusters } from '../../store/clusters.ts';
import type { Db } from '../../store/db.ts';
import {
  acquireHealLease,
  advanceHeal,
  getHeal,
  type HealKey,
  listHeals,
  type NodeHeal,
  NodeNameSchema,
  releaseHealLease,
} from '../../store/heals.ts';
import { queryHistory, recordHistory } from '../../store/history.ts';
import { NODES_APP } from '../../store/ports.ts';
import { openDb, openHealQueue } from '../connect.ts';
import { renderHeal, renderHeals } from '../render/heals.ts';
import { renderHistory } from '../render/history.ts';

type Out = (line: string) => void;

/** Who is at the terminal, for the record: CAPSTAN_ACTOR (a CI job, a chat-ops bot) or the OS user. */
export const actor = (): string => process.env.CAPSTAN_ACTOR || userInfo().username;

/** A cluster is a DNS-1123 label, a node a subdomain: anything else names no heal (exit 2). */
const checkNames = (what: string, cluster: string, node: string) => {
  const issues = [
    ...(NameSchema.safeParse(cluster).success ? [] : [`cluster "${cluster}" must be a DNS-1123 label`]),
    ...(NodeNameSchema.safeParse(node).success ? [] : [`node "${node}" must be a DNS-1123 subdomain`]),
  ];
  if (issues.length) throw new InvalidInputError(`cannot ${what}`, issues);
};

/** A refusal: said on stderr with exit code 1, nothing changed. */
const refuse = (message: string) => {
  process.stderr.write(`capstan: ${message}\n`);
  process.exitCode = 1;
};

/** `capstan heal list [--cluster] [--all]`: active heals (every one with --all), by cluster and node. */
export const listHealsCommand = async (o: { cluster?: string; all?: boolean; json?: boolean }, out: Out) => {
  const { db, close } = await openDb();
  try {
    const clusters = o.cluster ? [o.cluster] : (await listClusters(db)).map((c) => c.name);
    const heals = (await Promise.all(clusters.map((c) => listHeals(db, c))))
      .flat()
      .filter((h) => o.all || !isSettledPhase(h.phase));
    if (o.json) return out(JSON.stringify(heals, null, 2));
    if (heals.length === 0) {
      return out(`no ${o.all ? '' : 'active '}heals${o.cluster ? ` on cluster ${o.cluster}` : ''}`);
    }
    out(renderHeals(heals));
  } finally {
    close();
  }
};

/** `capstan heal show <cluster> <node>`: the record with every step's time, and the node's history. */
export const showHealCommand = async (
  cluster: string,
  node: string,
  o: { limit: number; json?: boolean },
  out: Out,
) => {
  checkNames('show the heal', cluster, node);
  const { db, close } = await openDb();
  try {
    const [heal, history] = await Promise.all([getHeal(db, cluster, node), nodeHistory(db, cluster, node, o.limit)]);
    if (!heal && history.length === 0)
      throw new NotFoundError(`no heal and no history of node ${node} of cluster ${cluster}`);
    if (o.json) return out(JSON.stringify({ heal: heal ?? null, history }, null, 2));
    out(heal ? renderHeal(heal) : `node ${node} of cluster ${cluster} has no heal record`);
    out('');
    out(history.length === 0 ? 'no history for this node' : renderHistory(history));
  } finally {
    close();
  }
};

/**
 * Healing's entries of one node: the cluster's history (it carries every app's, so a window wider than
 * `limit` is read), those of the healing pseudo-app about this node.
 */
const nodeHistory = async (db: Db, cluster: string, node: string, limit: number) =>
  (await queryHistory(db, { cluster, limit: Math.min(5000, limit * 20) }))
    .filter((e) => e.app === NODES_APP && e.node === node)
    .slice(0, limit);

/** What approve or cancel ends with: a refusal, or what to say (and, for approve, the check to send). */
type Result =
  | { readonly refused: string }
  | {
      readonly outcome: 'approved' | 'cancelled' | 'unchanged';
      readonly message: string;
      readonly heal: NodeHeal;
      readonly send?: HealCheck;
    };

/**
 * `capstan heal approve <cluster> <node>`: lets an approve-mode heal fence its node. Under the node's lease
 * (no heal step works the node meanwhile), the record moves from awaiting-approval to fencing (a conditional
 * write: of two approvals, or an approval and a cancel, one wins); then, the lease released so the heal
 * function can take it, a heal.check goes straight to the heal queue and fencing starts now.
 */
export const approveHealCommand = async (cluster: string, node: string, o: { json?: boolean }, out: Out) => {
  checkNames('approve', cluster, node);
  const { db, close, state } = await openDb();
  try {
    const result = await underNodeLease(db, { cluster, node }, () => approve(db, cluster, node));
    if ('refused' in result) return refuse(result.refused);
    if (result.send) await send(state, result.send);
    say(out, o, result);
  } finally {
    close();
  }
};

const approve = async (db: Db, cluster: string, node: string): Promise<Result> => {
  const heal = await getHeal(db, cluster, node);
  const approval = approvalOf(cluster, node, heal);
  if (approval.next === 'refuse') return { refused: approval.message };
  const record = heal as NodeHeal;
  const now = new Date();
  const check = healCheck(cluster, node, `approve:${record.eventId}`, 0, now, 'fence');
  if (approval.next === 'already') {
    return {
      outcome: 'unchanged',
      message: approval.message,
      heal: record,
      ...(approval.resend ? { send: check } : {}),
    };
  }
  const by = actor();
  const approved = await advanceHeal(db, { cluster, node }, approval.from, approval.to, {
    approvedBy: by,
    approvedAt: now.toISOString(),
    fencingAt: now.toISOString(),
    updatedAt: now.toISOString(),
  });
  if (!approved) return approve(db, cluster, node); // it moved meanwhile: judge it as it is now
  // Recorded before the check is sent: should sending fail, approving again sends it (the same event).
  await recordHistory(db, {
    app: NODES_APP,
    ...(await environmentOf(db, cluster)),
    cluster,
    node,
    eventId: check.id,
    eventType: check.type,
    action: 'heal.approve',
    outcome: 'accepted',
    eventTime: check.time,
    recordedAt: now.toISOString(),
    details: { by },
  });
  return {
    outcome: 'approved',
    message: `approved: capstan fences node ${node} of cluster ${cluster} now (follow it with \`capstan heal show ${cluster} ${node}\`)`,
    heal: (await getHeal(db, cluster, node)) ?? record,
    send: check,
  };
};

/**
 * `capstan heal cancel <cluster> <node>`: stops a heal that has done nothing on the cluster yet (suspected,
 * awaiting approval), under the node's lease. A node capstan has cordoned or tainted is restored by its
 * return, not by a cancel.
 */
export const cancelHealCommand = async (cluster: string, node: string, o: { json?: boolean }, out: Out) => {
  checkNames('cancel', cluster, node);
  const { db, close } = await openDb();
  try {
    const result = await underNodeLease(db, { cluster, node }, () => cancel(db, cluster, node));
    if ('refused' in result) return refuse(result.refused);
    say(out, o, result);
  } finally {
    close();
  }
};

const cancel = async (db: Db, cluster: string, node: string): Promise<Result> => {
  const heal = await getHeal(db, cluster, node);
  const cancellation = cancellationOf(cluster, node, heal);
  if (cancellation.next === 'refuse') return { refused: cancellation.message };
  const record = heal as NodeHeal;
  if (cancellation.next === 'already') return { outcome: 'unchanged', message: cancellation.message, heal: record };
  const by = actor();
  const now = new Date().toISOString();
  const cancelled = await advanceHeal(db, { cluster, node }, cancellation.from, cancellation.to, {
    cancelledBy: by,
    cancelledAt: now,
    updatedAt: now,
  });
  if (!cancelled) return cancel(db, cluster, node); // it moved meanwhile: judge it as it is now
  await recordHistory(db, {
    app: NODES_APP,
    ...(await environmentOf(db, cluster)),
    cluster,
    node,
    eventId: eventId(['heal.cancel', cluster, node, record.eventId]),
    eventType: 'heal.cancel',
    action: 'heal.cancel',
    outcome: 'succeeded',
    code: 'cancelled',
    reason: `cancelled by ${by}`,
    eventTime: now,
    recordedAt: now,
    details: { by },
  });
  return {
    outcome: 'cancelled',
    message: `cancelled the heal of node ${node} of cluster ${cluster}: capstan leaves the node alone until it is suspected afresh`,
    heal: (await getHeal(db, cluster, node)) ?? record,
  };
};

/**
 * Runs `step` holding the node's heal lease (lib/store/heals.ts), as every heal step does, so a person's
 * decision never interleaves with one; a step holds it for seconds, so a held lease is waited for a little.
 */
const underNodeLease = async <T>(db: Db, key: HealKey, step: () => Promise<T>): Promise<T> => {
  const holder = `cli/${hostname()}/${process.pid}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await acquireHealLease(db, key, holder, LEASE_SECONDS);
      break;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      if (attempt >= LEASE_TRIES) {
        throw new ConflictError(
          `node ${key.node} of cluster ${key.cluster} is being worked on by a heal step (it holds the node's lease): try again shortly`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, LEASE_WAIT_MS));
    }
  }
  try {
    return await step();
  } finally {
    await releaseHealLease(db, key, holder);
  }
};

const LEASE_SECONDS = 30;
const LEASE_TRIES = 10;
const LEASE_WAIT_MS = 500;

/** As healing's own steps are filed: by cluster and by its environment, while it is registered. */
const environmentOf = async (db: Db, cluster: string) => {
  const registered = await findCluster(db, cluster);
  return registered ? { environment: registered.environment } : {};
};

const send = async (state: Parameters<typeof openHealQueue>[0], check: HealCheck) => {
  const queue = openHealQueue(state);
  try {
    await queue.enqueue(check);
  } finally {
    queue.close();
  }
};

const say = (out: Out, o: { json?: boolean }, result: Exclude<Result, { refused: string }>) => {
  const { send: _sent, ...shown } = result;
  out(o.json ? JSON.stringify(shown, null, 2) : result.message);
};
