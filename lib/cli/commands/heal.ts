import { userInfo } from 'node:os';
import { NameSchema } from '../../../events/envelope.ts';
import { eventId } from '../../../events/index.ts';
import { InvalidInputError, NotFoundError } from '../../errors.ts';
import { approvalOf, cancellationOf, HEAL_HISTORY_APP, isSettledPhase } from '../../heal/decisions/operator.ts';
import { healCheck } from '../../heal/render/events.ts';
import { listClusters } from '../../store/clusters.ts';
import type { Db } from '../../store/db.ts';
import { advanceHeal, getHeal, listHeals, type NodeHeal, NodeNameSchema } from '../../store/heals.ts';
import { queryHistory, recordHistory } from '../../store/history.ts';
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
    .filter((e) => e.app === HEAL_HISTORY_APP && e.node === node)
    .slice(0, limit);

/**
 * `capstan heal approve <cluster> <node>`: lets an approve-mode heal fence its node. The record moves from
 * awaiting-approval to fencing (a conditional write: of two approvals, or an approval and a cancel, one wins),
 * then a heal.check goes straight to the heal queue so fencing starts now.
 */
export const approveHealCommand = async (cluster: string, node: string, o: { json?: boolean }, out: Out) => {
  checkNames('approve', cluster, node);
  const { db, close, state } = await openDb();
  try {
    const heal = await getHeal(db, cluster, node);
    const approval = approvalOf(cluster, node, heal);
    if (approval.next === 'refuse') return refuse(approval.message);
    const record = heal as NodeHeal;
    const now = new Date();
    const check = healCheck(cluster, node, `approve:${record.eventId}`, 0, now);
    if (approval.next === 'already') {
      if (approval.resend) await send(state, check);
      return say(out, o, { outcome: 'unchanged', message: approval.message, heal: record });
    }
    const by = actor();
    const approved = await advanceHeal(db, { cluster, node }, approval.from, approval.to, {
      approvedBy: by,
      approvedAt: now.toISOString(),
      fencingAt: now.toISOString(),
      updatedAt: now.toISOString(),
    });
    if (!approved) {
      // Someone else moved it first (another approval, a cancel): say what it is now.
      const current = await getHeal(db, cluster, node);
      const again = approvalOf(cluster, node, current);
      if (again.next === 'already') {
        return say(out, o, { outcome: 'unchanged', message: again.message, heal: current ?? record });
      }
      return refuse(again.next === 'refuse' ? again.message : `the heal of ${node} changed meanwhile: try again`);
    }
    // Recorded before the check is sent: should sending fail, approving again sends it (the same event).
    await recordHistory(db, {
      app: HEAL_HISTORY_APP,
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
    await send(state, check);
    say(out, o, {
      outcome: 'approved',
      message: `approved: capstan fences node ${node} of cluster ${cluster} now (follow it with \`capstan heal show ${cluster} ${node}\`)`,
      heal: (await getHeal(db, cluster, node)) ?? record,
    });
  } finally {
    close();
  }
};

/**
 * `capstan heal cancel <cluster> <node>`: stops a heal that has done nothing on the cluster yet (suspected,
 * awaiting approval). A node capstan has cordoned or tainted is restored by its return, not by a cancel.
 */
export const cancelHealCommand = async (cluster: string, node: string, o: { json?: boolean }, out: Out) => {
  checkNames('cancel', cluster, node);
  const { db, close } = await openDb();
  try {
    const heal = await getHeal(db, cluster, node);
    const cancellation = cancellationOf(cluster, node, heal);
    if (cancellation.next === 'refuse') return refuse(cancellation.message);
    const record = heal as NodeHeal;
    if (cancellation.next === 'already') {
      return say(out, o, { outcome: 'unchanged', message: cancellation.message, heal: record });
    }
    const by = actor();
    const now = new Date().toISOString();
    const cancelled = await advanceHeal(db, { cluster, node }, cancellation.from, cancellation.to, {
      cancelledBy: by,
      cancelledAt: now,
      updatedAt: now,
    });
    if (!cancelled) {
      // The heal moved on meanwhile (fencing began, or another cancel): say what it is now.
      const current = await getHeal(db, cluster, node);
      const again = cancellationOf(cluster, node, current);
      if (again.next === 'already') {
        return say(out, o, { outcome: 'unchanged', message: again.message, heal: current ?? record });
      }
      return refuse(again.next === 'refuse' ? again.message : `the heal of ${node} changed meanwhile: try again`);
    }
    const id = eventId(['heal.cancel', cluster, node, record.eventId]);
    await recordHistory(db, {
      app: HEAL_HISTORY_APP,
      cluster,
      node,
      eventId: id,
      eventType: 'heal.cancel',
      action: 'heal.cancel',
      outcome: 'succeeded',
      code: 'cancelled',
      reason: `cancelled by ${by}`,
      eventTime: now,
      recordedAt: now,
      details: { by },
    });
    say(out, o, {
      outcome: 'cancelled',
      message: `cancelled the heal of node ${node} of cluster ${cluster}: capstan leaves the node alone until it is suspected afresh`,
      heal: (await getHeal(db, cluster, node)) ?? record,
    });
  } finally {
    close();
  }
};

const send = async (state: Parameters<typeof openHealQueue>[0], check: ReturnType<typeof healCheck>) => {
  const queue = openHealQueue(state);
  try {
    await queue.enqueue(check);
  } finally {
    queue.close();
  }
};

const say = (
  out: Out,
  o: { json?: boolean },
  result: { outcome: 'approved' | 'cancelled' | 'unchanged'; message: string; heal: NodeHeal },
) => out(o.json ? JSON.stringify(result, null, 2) : result.message);
