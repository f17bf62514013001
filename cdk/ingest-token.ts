import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type CfnSecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * The ingest token: what producers present on POST /events, and what every registry webhook's own secret
 * is derived from (lib/ingest/hook-secret.ts). The functions that serve routes may read it (lib/contract.ts).
 */
export class IngestToken extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'capstan: bearer token webhook producers present on POST /events',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      // Every registry's webhook secret derives from it: losing it breaks them all.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The logical id it had inside the HTTP API construct: moving it here must not replace the secret
    // (a new random token) on the next deploy of an existing stack.
    (this.secret.node.defaultChild as CfnSecret).overrideLogicalId('HttpIngestTokenA2C4487A');
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The ingest token is shared with external webhook producers (CI systems, registries, chat bots) that ' +
        'cannot fetch it from Secrets Manager; rotating it is a coordinated change with those producers, done by hand.',
    });
  }
}
