import type { ImageHeal } from '../../store/image-heals.ts';
import { renderTable, stamp } from '../format.ts';

/** When the record entered its phase: a settled one when it settled, a waiting one when it was detected. */
const phaseSince = (h: ImageHeal) =>
  h.phase === 'freed' ? h.freedAt : h.phase === 'refused' ? h.refusedAt : h.detectedAt;

/** As `rbd` names it (and as the store keys it: imageName, kept out of this pure file with the adapter). */
const imageName = (h: Pick<ImageHeal, 'pool' | 'image'>) => `${h.pool}/${h.image}`;

const requesterOf = (h: ImageHeal) => `${h.requester.namespace}/${h.requester.pod}`;

/** Images being freed (or freed, or refused), one row per image, in the order given. */
export const renderImageHeals = (heals: readonly ImageHeal[]): string =>
  renderTable(
    ['CLUSTER', 'IMAGE', 'HOLDER', 'REQUESTER', 'PHASE', 'CODE', 'SINCE'],
    heals.map((h) => [
      h.cluster,
      imageName(h),
      h.holderNode,
      requesterOf(h),
      h.phase,
      h.code ?? '-',
      stamp(phaseSince(h) ?? h.updatedAt),
    ]),
  );

/** One image record: what is held by whom and wanted by whom, the last verdict, what capstan did, each step. */
export const renderImageHeal = (h: ImageHeal): string =>
  [
    `freeing image ${imageName(h)} of cluster ${h.cluster}: ${h.phase}${h.via ? ` (via ${h.via})` : ''}`,
    `persistent volume ${h.persistentVolume}, held by node ${h.holderNode}; wanted by pod ${requesterOf(h)}` +
      (h.requester.node ? ` on node ${h.requester.node}` : ''),
    `started by event ${h.eventId}`,
    ...(h.code ? [`last verdict: ${h.code}${h.reason ? `: ${h.reason}` : ''}`] : []),
    ...(h.blocked?.length ? [`blocked addresses: ${h.blocked.join(', ')}`] : []),
    ...(h.locksRemoved?.length ? [`locks removed: ${h.locksRemoved.join(', ')}`] : []),
    '',
    renderTable(
      ['STEP', 'AT'],
      [
        ['detected', stamp(h.detectedAt)],
        ['freed', stamp(h.freedAt)],
        ['refused', stamp(h.refusedAt)],
        ['updated', stamp(h.updatedAt)],
      ],
    ),
  ].join('\n');
