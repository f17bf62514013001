import { SCHEMA_VERSION } from '../../events/envelope.ts';
import { eventId, type OpsNotify, type OpsNotifyData } from '../../events/index.ts';

/**
 * The ops.notify of one step of healing or scaling. Its id names the event the step answered (or `once`,
 * what the step is told once for), what it tells and what it is about, so the step taken again (a
 * redelivery) sends the same notice, which the notifier posts once.
 */
export const opsNotice = (data: OpsNotifyData, now: Date, once = data.cause): OpsNotify => {
  const about = data.node ?? data.workload ?? '-';
  return {
    specversion: '1.0',
    id: eventId(['ops.notify', once, data.what, data.cluster, about, data.image ?? '-']),
    type: 'ops.notify',
    source: 'capstan',
    time: now.toISOString(),
    subject: `${data.cluster}/${data.image ?? about}`,
    schemaversion: SCHEMA_VERSION,
    data,
  };
};
