import { NameSchema } from '../../../events/envelope.ts';
import { connectCeph } from '../../ceph/gateway.ts';
import { InvalidInputError } from '../../errors.ts';
import { healSettingsFromEnv } from '../../heal/settings.ts';
import { judgeImage } from '../../heal/use-cases/judge-image.ts';
import { connector } from '../../kube/connect.ts';
import { gatewayConnector } from '../../kube/gateway.ts';
import { selfAddresses } from '../../lambda/self-addresses.ts';
import { getCluster } from '../../store/clusters.ts';
import { dynamoStore } from '../../store/dynamo.ts';
import { getImageHeal } from '../../store/image-heals.ts';
import { openDb } from '../connect.ts';
import { parseImageArgument } from '../image-argument.ts';
import { rbdStatusView } from '../rbd-status.ts';
import { freeingOf } from '../render/freeing.ts';
import { renderRbdStatus } from '../render/rbd-status.ts';

/**
 * `capstan rbd status <cluster> <pool/image>`: an image as capstan sees it now, read live: Ceph's watchers,
 * locks and blocklist (or the holder's NetworkFence), the holder node, and the verdict healing would reach
 * on this read (the CAPSTAN_HEAL_* settings of this shell). Reads only: nothing is changed.
 */
export const rbdStatusCommand = async (
  clusterName: string,
  argument: string,
  o: { json?: boolean },
  out: (line: string) => void,
) => {
  const parsed = parseImageArgument(argument);
  const issues = [
    ...(NameSchema.safeParse(clusterName).success ? [] : [`cluster "${clusterName}" must be a DNS-1123 label`]),
    ...('issue' in parsed ? [parsed.issue] : []),
  ];
  if (issues.length || 'issue' in parsed) throw new InvalidInputError('cannot show the image', issues);
  const { db, close } = await openDb();
  try {
    const cluster = await getCluster(db, clusterName);
    const [record, gateway] = await Promise.all([
      getImageHeal(db, { cluster: cluster.name, ...parsed }),
      gatewayConnector(connector())(cluster),
    ]);
    // As `capstan nodes` reaches a cluster: a credentials file locally (a secret needs the stack's role).
    const ceph = connectCeph();
    const deps = {
      store: dynamoStore(db),
      now: () => new Date(),
      settings: healSettingsFromEnv(),
      ceph,
      selfAddresses: selfAddresses(),
    };
    const view = await rbdStatusView(
      {
        attachments: (persistentVolume) => gateway.listVolumeAttachmentsOfVolume(persistentVolume),
        networkFence: (name) => gateway.readNetworkFence(name),
        ceph: () => {
          if (cluster.freeing?.via !== 'ceph') throw new Error(`cluster ${cluster.name} does not free through Ceph`);
          return ceph(cluster.name, cluster.freeing.ceph);
        },
        // The pod's node as recorded: judgeImage refuses to free an image for a pod on the holder itself.
        judge: (holder) =>
          judgeImage(
            deps,
            { cluster, gateway, holder },
            { ...parsed, ...(record?.requester.node ? { requesterNode: record.requester.node } : {}) },
          ),
      },
      cluster,
      parsed,
      record,
      freeingOf(cluster),
    );
    out(o.json ? JSON.stringify(view, null, 2) : renderRbdStatus(view));
  } finally {
    close();
  }
};
