import type { CephGateway, ImageStatus } from '../../ceph/ports.ts';
import type { KubeGateway } from '../../kube/gateway.ts';
import type { Cluster } from '../../store/clusters.ts';
import type { NodeHeal } from '../../store/heals.ts';
import { isActiveHeal } from '../../store/ports.ts';
import { type RbdFreeVerdict, rbdFreeVerdict } from '../decisions/rbd-free.ts';
import type { HealDeps } from '../ports.ts';
import { proveLost, verdictDetails } from './look.ts';
import { nodeContext } from './record.ts';

export interface ImageJudgement {
  readonly verdict: RbdFreeVerdict;
  /** What it was judged on, as the history keeps it. */
  readonly evidence: Record<string, unknown>;
  /** The holder's heal, active or settled, as read. */
  readonly heal: NodeHeal | undefined;
  /** The cluster's Ceph, when it frees directly, and the image there (undefined: Ceph has no such image). */
  readonly ceph: CephGateway | undefined;
  readonly status: ImageStatus | undefined;
}

/** The cluster's Ceph, when it frees images directly (`freeing.via` ceph). */
export const cephOf = async (deps: Pick<HealDeps, 'ceph'>, cluster: Cluster): Promise<CephGateway | undefined> =>
  cluster.freeing?.via === 'ceph' ? deps.ceph(cluster.name, cluster.freeing.ceph) : undefined;

/**
 * May capstan free the image now? Everything read fresh at once: the holder proven lost again (part 1's
 * verdict, storm guard included), its heal, every Node, the image's watchers and locks, Ceph's daemons;
 * then the pure decision (../decisions/rbd-free.ts). Shared by the use case and `capstan rbd status`, so
 * what an operator is shown is what capstan would do.
 */
export const judgeImage = async (
  deps: Pick<HealDeps, 'store' | 'now' | 'settings' | 'ceph' | 'selfAddresses'>,
  at: { readonly cluster: Cluster; readonly gateway: KubeGateway; readonly holder: string },
  image: { readonly pool: string; readonly image: string; readonly requesterNode?: string },
): Promise<ImageJudgement> => {
  const ceph = await cephOf(deps, at.cluster);
  const [proof, heal, status, daemons] = await Promise.all([
    proveLost(deps, nodeContext(at.cluster, at.gateway, at.holder)),
    deps.store.heals.get(at.cluster.name, at.holder),
    ceph?.imageStatus(image.pool, image.image),
    ceph?.daemonAddresses(),
  ]);
  const watchers = status?.watchers.map((w) => w.address) ?? [];
  const lockers = status?.locks.map((l) => l.address) ?? [];
  const verdict = rbdFreeVerdict({
    verdict: proof.verdict,
    holder: proof.node,
    heal: heal && isActiveHeal(heal.phase) ? heal : undefined,
    nodes: proof.nodes,
    ...(image.requesterNode ? { requesterNode: image.requesterNode } : {}),
    watchers,
    lockers,
    cephAddresses: daemons ?? [],
    capstanAddresses: deps.selfAddresses,
    holdersUnknown: !ceph,
  });
  const evidence = {
    ...verdictDetails(proof.verdict),
    holder: at.holder,
    holderAddresses: proof.node?.addresses.map((a) => `${a.type}=${a.address}`) ?? [],
    watchers,
    lockers,
    requesterNode: image.requesterNode ?? null,
  };
  return { verdict, evidence, heal, ceph, status };
};
