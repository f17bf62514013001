import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * The chat secret (issue 13): one JSON document the operator fills in after installing the Slack app,
 * `{"slack": {"signingSecret": "...", "botToken": "xoxb-..."}}`, and for the other chats it serves
 * `"mattermost": {"commandToken": "...", "url": "https://...", "botToken": "..."}` and `"teams": {"securityToken": "<base64>" or a list, one per team}`
 * (lib/chat/secret.ts reads it and documents each part). `actionKey` is generated here: capstan's own MAC key
 * for buttons of chats that sign nothing (Mattermost). Only the chat edge and the notifier may read it
 * (lib/contract.ts).
 */
export class ChatSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: "capstan: Slack's signing secret and bot token (JSON), and capstan's button MAC key",
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ slack: {} }),
        generateStringKey: 'actionKey',
        passwordLength: 48,
        excludePunctuation: true,
      },
      // The Slack app's secrets are typed in by a person: losing them means reinstalling the app.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "Slack issues the signing secret and bot token; they rotate in Slack's app settings, not by a Lambda here, " +
        'and the operator pastes the new values into this secret.',
    });
  }
}
