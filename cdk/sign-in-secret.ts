import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * The sign-in secret (issue 14): the Slack app's OpenID Connect client, which "Sign in with Slack" on the
 * dashboard uses, `{"slack": {"clientId": "…", "clientSecret": "…"}}` (lib/lambda/sign-in-secret.ts reads it).
 * Its own secret, not a part of the chat secret: the dashboard faces browsers, and must never be able to read
 * the bot token or the signing secret. Only the dashboard may read it (lib/contract.ts). Empty until the
 * operator fills it in: then the one-time link (`capstan dashboard link`) is the only way in.
 */
export class SignInSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: "capstan: the Slack app's OpenID client id and secret for the dashboard's sign-in (JSON)",
      // Starts as `{}` (nothing secret in the template); CloudFormation leaves a value put in later alone.
      secretStringValue: SecretValue.unsafePlainText('{}'),
      // Typed in by a person from the Slack app's settings: losing them means making new ones.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "Slack issues the app's client secret; it rotates in Slack's app settings, not by a Lambda here, and the " +
        'operator pastes the new value into this secret.',
    });
  }
}
