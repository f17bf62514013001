import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { env } from '../topology.ts';

/** A Teams security token: base64 of at least 16 bytes (Teams gives 32). */
const TeamsToken = z
  .string()
  .regex(/^[A-Za-z0-9+/]{22,}={0,2}$/, 'a base64 token as Teams shows it')
  .refine((t) => t.length % 4 === 0, 'a base64 token as Teams shows it');

/**
 * The chat secret (cdk/chat-secret.ts): Slack's signing secret (to verify its requests) and bot token (to
 * post and update messages), Mattermost's command token, Teams' outgoing webhook tokens, and capstan's own MAC
 * key for buttons of chats that sign nothing. From Secrets Manager on AWS (fetched once per process, again
 * after a failure), from CAPSTAN_CHAT_SECRET locally. A part left out is a chat capstan does not serve: its
 * routes refuse every request (401), never accept one unchecked.
 */
export const ChatSecretSchema = z.object({
  slack: z
    .object({
      signingSecret: z.string().min(8).optional(),
      botToken: z.string().min(8).optional(),
    })
    .default({}),
  /**
   * Mattermost: the slash command's token (to verify it), and where the notifier posts a request's message
   * made there: the server's URL and a bot's access token.
   */
  mattermost: z
    .object({
      commandToken: z.string().min(8).optional(),
      url: z.url({ protocol: /^https?$/ }).optional(),
      botToken: z.string().min(8).optional(),
    })
    .default({}),
  /**
   * Microsoft Teams' outgoing webhook security token, base64 as Teams shows it once at creation (an HMAC key
   * of 32 bytes). An outgoing webhook belongs to one team: a list serves several teams, one token each.
   */
  teams: z.object({ securityToken: z.union([TeamsToken, z.array(TeamsToken).min(1).max(50)]).optional() }).default({}),
  actionKey: z.string().min(16).optional(),
});
export type ChatSecret = z.infer<typeof ChatSecretSchema>;

export const chatSecret = (secrets: SecretsManagerClient, source: NodeJS.ProcessEnv = process.env) => {
  let cached: Promise<ChatSecret> | undefined;
  return (): Promise<ChatSecret> => {
    cached ??= load(secrets, source).catch((error) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
};

const load = async (secrets: SecretsManagerClient, source: NodeJS.ProcessEnv): Promise<ChatSecret> => {
  const arn = source[env.chatSecretArn];
  const raw = arn
    ? (await secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString
    : source[env.chatSecret];
  if (raw === undefined) throw new Error(`set ${env.chatSecret} (JSON) or ${env.chatSecretArn}`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // The value itself is never quoted: it is a secret.
    throw new Error(`the chat secret${arn ? ` ${arn}` : ''} is not JSON`);
  }
  const parsed = ChatSecretSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`the chat secret has the wrong shape: ${parsed.error.issues[0]?.path.join('.')}`);
  return parsed.data;
};
