import { userInfo } from 'node:os';
import { NameSchema } from '../../../events/envelope.ts';
import type { HealCheck } from '../../../events/index.ts';
import { InvalidInputError, NotFoundError } from '../../errors.ts';
import { isSettledPhase } from '../../heal/decisions/operator.ts';
import { listClusters } from '../../store/clusters.ts';
import type { Db } from '../../store/db.ts';
import { getHeal, listHeals, NodeNameSchema } from '../../store/heals.ts';
import { queryHistory } from '../../store/history.ts';
import { getImageHeal, imageName, isActiveImageHeal, listImageHeals } from '../../store/image-heals.ts';
import { NODES_APP } from '../../store/ports.ts';
import { openDb, openHealQueue } from '../connect.ts';
import { approveHeal, cancelHeal, type HealActionResult } from '../heal-actions.ts';
import { parseImageArgument } from '../image-argument.ts';
import { underNodeLease } from '../node-lease.ts';
import { renderHeal, renderHeals } from '../render/heals.ts';
import { renderHistory } from '../render/history.ts';
import { renderImageHeal, renderImageHeals } from '../render/image-heals.ts';

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

/**
 * `capstan heal list [--cluster] [--all]`: active heals (every one with --all), of nodes by cluster and
 * node, then of RBD images by cluster and pool/image. `--json`: `{nodes, images}`, each as stored.
 */
export const listHealsCommand = async (o: { cluster?: string; all?: boolean; json?: boolean }, out: Out) => {
  if (o.cluster !== undefined && !NameSchema.safeParse(o.cluster).success) {
    throw new InvalidInputError('cannot list heals', [`--cluster "${o.cluster}" must be a DNS-1123 label`]);
  }
  const { db, close } = await openDb();
  try {
    const clusters = o.cluster ? [o.cluster] : (await listClusters(db)).map((c) => c.name);
    const [nodes, images] = await Promise.all([
      Promise.all(clusters.map((c) => listHeals(db, c))),
      Promise.all(clusters.map((c) => listImageHeals(db, c))),
    ]);
    const heals = nodes.flat().filter((h) => o.all || !isSettledPhase(h.phase));
    const imageHeals = images.flat().filter((h) => o.all || isActiveImageHeal(h.phase));
    if (o.json) return out(JSON.stringify({ nodes: heals, images: imageHeals }, null, 2));
    if (heals.length === 0 && imageHeals.length === 0) {
      return out(`no ${o.all ? '' : 'active '}heals${o.cluster ? ` on cluster ${o.cluster}` : ''}`);
    }
    out(
      [
        ...(heals.length ? [renderHeals(heals)] : []),
        ...(imageHeals.length ? [`images:\n${renderImageHeals(imageHeals)}`] : []),
      ].join('\n\n'),
    );
  } finally {
    close();
  }
};

/**
 * `capstan heal show <cluster> <node>`: the record with every step's time, and the node's history;
 * `capstan heal show <cluster> <pool/image>` (a `/` says it is an image): the image's record and history.
 */
export const showHealCommand = async (
  cluster: string,
  nodeOrImage: string,
  o: { limit: number; json?: boolean },
  out: Out,
) => {
  if (nodeOrImage.includes('/')) return showImageHeal(cluster, nodeOrImage, o, out);
  const node = nodeOrImage;
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

const showImageHeal = async (cluster: string, argument: string, o: { limit: number; json?: boolean }, out: Out) => {
  const parsed = parseImageArgument(argument);
  const issues = [
    ...(NameSchema.safeParse(cluster).success ? [] : [`cluster "${cluster}" must be a DNS-1123 label`]),
    ...('issue' in parsed ? [parsed.issue] : []),
  ];
  if (issues.length || 'issue' in parsed) throw new InvalidInputError('cannot show the image', issues);
  const key = { cluster, ...parsed };
  const { db, close } = await openDb();
  try {
    const [heal, history] = await Promise.all([
      getImageHeal(db, key),
      imageHistory(db, cluster, imageName(key), o.limit),
    ]);
    if (!heal && history.length === 0) {
      throw new NotFoundError(`no record and no history of image ${imageName(key)} of cluster ${cluster}`);
    }
    if (o.json) return out(JSON.stringify({ image: heal ?? null, history }, null, 2));
    out(heal ? renderImageHeal(heal) : `image ${imageName(key)} of cluster ${cluster} has no record`);
    out('');
    out(history.length === 0 ? 'no history for this image' : renderHistory(history));
  } finally {
    close();
  }
};

/** Freeing's entries of one image: healing's entries (under the nodes pseudo-app) that name it. */
const imageHistory = async (db: Db, cluster: string, image: string, limit: number) =>
  (await queryHistory(db, { cluster, limit: Math.min(5000, limit * 20) }))
    .filter((e) => e.app === NODES_APP && e.image === image)
    .slice(0, limit);

/**
 * Healing's entries of one node: the cluster's history (it carries every app's, so a window wider than
 * `limit` is read), those of the healing pseudo-app about this node.
 */
const nodeHistory = async (db: Db, cluster: string, node: string, limit: number) =>
  (await queryHistory(db, { cluster, limit: Math.min(5000, limit * 20) }))
    .filter((e) => e.app === NODES_APP && e.node === node)
    .slice(0, limit);

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
    const result = await underNodeLease(db, { cluster, node }, () => approveHeal(db, cluster, node, actor()));
    if ('refused' in result) return refuse(result.refused);
    if (result.send) await send(state, result.send);
    say(out, o, result);
  } finally {
    close();
  }
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
    const result = await underNodeLease(db, { cluster, node }, () => cancelHeal(db, cluster, node, actor()));
    if ('refused' in result) return refuse(result.refused);
    say(out, o, result);
  } finally {
    close();
  }
};

const send = async (state: Parameters<typeof openHealQueue>[0], check: HealCheck) => {
  const queue = openHealQueue(state);
  try {
    await queue.enqueue(check);
  } finally {
    queue.close();
  }
};

const say = (out: Out, o: { json?: boolean }, result: Exclude<HealActionResult, { refused: string }>) => {
  const { send: _sent, ...shown } = result;
  out(o.json ? JSON.stringify(shown, null, 2) : result.message);
};
