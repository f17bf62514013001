import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { env } from '../topology.ts';

/**
 * The sign-in secret (cdk/sign-in-secret.ts): the Slack app's OpenID Connect client, from the app's "Basic
 * Information" page. From Secrets Manager on AWS, from CAPSTAN_SIGN_IN_SECRET locally; the caller decides
 * how long to keep it (functions/dashboard.ts: a few minutes). Without `slack`, "Sign in with Slack" is off.
 */
export const SignInSecretSchema = z.object({
  slack: z
    .object({
      /** `1234567890.1234567890`, as Slack shows it. */
      clientId: z.string().regex(/^\d+\.\d+$/, 'a Slack client id such as 1234567890.1234567890'),
      clientSecret: z.string().min(8),
    })
    .optional(),
});
export type SignInSecret = z.infer<typeof SignInSecretSchema>;

export const readSignInSecret = async (
  secrets: SecretsManagerClient,
  source: NodeJS.ProcessEnv = process.env,
): Promise<SignInSecret> => {
  const arn = source[env.signInSecretArn];
  const raw = arn
    ? (await secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString
    : (source[env.signInSecret] ?? '{}');
  let json: unknown;
  try {
    json = JSON.parse(raw ?? '{}');
  } catch {
    // The value itself is never quoted: it is a secret.
    throw new Error(`the sign-in secret${arn ? ` ${arn}` : ''} is not JSON`);
  }
  const parsed = SignInSecretSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`the sign-in secret has the wrong shape: ${parsed.error.issues[0]?.path.join('.')}`);
  return parsed.data;
};
