import { Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
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
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The ingest token is shared with external webhook producers (CI systems, registries, chat bots) that ' +
        'cannot fetch it from Secrets Manager; rotating it is a coordinated change with those producers, done by hand.',
    });
  }
}
