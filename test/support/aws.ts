import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { createDb, type Db } from '../../lib/store/db.ts';
import { ensureTable } from '../../lib/store/table.ts';

/** DynamoDB Local wants letters and digits only in the access key. */
const credentials = { accessKeyId: 'capstanlocal', secretAccessKey: 'capstanlocal' };

/** Clients for the real emulators the integration run started (test/harness/global-setup.ts). */
export const awsClients = () => {
  const infra = inject('infra');
  return {
    ddb: new DynamoDBClient({ endpoint: infra.dynamodbEndpoint, region: 'us-east-1', credentials }),
    sqs: new SQSClient({ endpoint: infra.sqsEndpoint, region: 'us-east-1', credentials }),
  };
};

/** Points the AWS SDK's standard variables at the emulators, as `capstan up` does for its handlers. */
export const useEmulatorEnvironment = () => {
  const infra = inject('infra');
  process.env.AWS_ENDPOINT_URL_DYNAMODB = infra.dynamodbEndpoint;
  process.env.AWS_ENDPOINT_URL_SQS = infra.sqsEndpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  // Tests refuse bad input on purpose; the handlers' warnings about it would only bury the test report.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
};

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** A table of its own per test file, on the shared DynamoDB Local. */
export const freshDb = async (ddb: DynamoDBClient): Promise<Db> => {
  const name = uniqueName('capstan-test');
  await ensureTable(ddb, name);
  return createDb(name, ddb);
};
