import { putApp } from '../../lib/store/apps.ts';
import { putCluster } from '../../lib/store/clusters.ts';
import type { Db } from '../../lib/store/db.ts';
import { dynamoStore } from '../../lib/store/dynamo.ts';
import { setEnvironment } from '../../lib/store/environments.ts';
import { queryHistory } from '../../lib/store/history.ts';
import { type StoreFixture, storeContract } from '../contract/store.ts';
import { seedClusterOf } from '../doubles/store.ts';
import { awsClients, freshDb } from '../support/aws.ts';

// dynamoStore over the real DynamoDB Local: the behaviour the in-memory double (test/doubles/store.ts) copies.
const { ddb } = awsClients();
let fixture: Promise<StoreFixture> | undefined;

const dynamoFixture = async (): Promise<StoreFixture> => {
  const db: Db = await freshDb(ddb);
  return {
    store: dynamoStore(db),
    seed: {
      app: async (spec, now = new Date()) => (await putApp(db, spec, now)).record,
      cluster: async (c) => {
        const cluster = seedClusterOf(c);
        await putCluster(db, cluster);
        return cluster;
      },
      environment: (name, protect, now = new Date(), healMode) =>
        setEnvironment(db, {
          name,
          protected: protect,
          updatedAt: now.toISOString(),
          ...(healMode ? { healMode } : {}),
        }),
    },
    history: (app) => queryHistory(db, { app }),
  };
};

// One table for the file: every test of the contract names its own apps, clusters and environments.
storeContract('dynamoStore', () => {
  fixture ??= dynamoFixture();
  return fixture;
});
