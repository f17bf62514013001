import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { table as spec } from '../lib/topology.ts';

/**
 * The data-plane calls lib/store and Powertools idempotency make (TransactWriteItems is authorized per
 * item action, hence ConditionCheckItem). No Scan, no batch calls, no table management: extend this list
 * when lib/store starts using one.
 */
export const tableDataActions = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
] as const;

/** The single table of lib/topology.ts: history, releases and idempotency records must survive the stack. */
export class CapstanTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const key = (name: string) => ({ name, type: AttributeType.STRING });
    this.table = new Table(this, 'Table', {
      partitionKey: key(spec.partitionKey),
      sortKey: key(spec.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: spec.ttlAttribute,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of spec.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: key(index.partitionKey),
        sortKey: key(index.sortKey),
        projectionType: ProjectionType.ALL,
      });
    }
  }

  /** Data access on the table and its named indexes only: explicit index ARNs, no `index/*` wildcard. */
  grantData(grantee: IGrantable): void {
    const { tableArn } = this.table;
    Grant.addToPrincipal({
      grantee,
      actions: [...tableDataActions],
      resourceArns: [tableArn, ...spec.indexes.map((index) => `${tableArn}/index/${index.name}`)],
    });
  }
}
