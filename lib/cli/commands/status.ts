import { appStatus } from '../../deploy/use-cases/status.ts';
import { InvalidInputError } from '../../errors.ts';
import { connector } from '../../kube/connect.ts';
import { gatewayConnector } from '../../kube/gateway.ts';
import { findApp } from '../../store/apps.ts';
import { dynamoStore } from '../../store/dynamo.ts';
import { openDb } from '../connect.ts';
import { renderStatus } from '../render/status.ts';

/** `capstan status <app> [--env <env>]`: what runs where, which release, healthy or not. */
export const statusCommand = async (app: string, o: { env?: string; json?: boolean }, out: (line: string) => void) => {
  const { db, close } = await openDb();
  try {
    const registered = await findApp(db, app);
    const environments = o.env ? [o.env] : Object.keys(registered?.spec.environments ?? {});
    if (environments.length === 0) {
      throw new InvalidInputError('cannot show status', [
        `app ${app} is not registered: name an environment with --env`,
      ]);
    }
    const rows = await appStatus({ store: dynamoStore(db), kube: gatewayConnector(connector()) }, app, environments);
    if (o.json) return out(JSON.stringify(rows, null, 2));
    if (rows.length === 0) return out(`no clusters are registered in ${environments.join(', ')}`);
    out(renderStatus(rows));
    const unhealthy = rows.filter((r) => !r.healthy).length;
    if (unhealthy > 0) process.exitCode = 3; // scripts can tell "not healthy" from "could not ask"
  } finally {
    close();
  }
};
