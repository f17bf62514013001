import { z } from 'zod';

/** Credentials are only ever a reference: a kubeconfig context locally, a Secrets Manager secret on AWS. */
export const CredentialsRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('kubeconfig'), path: z.string().min(1), context: z.string().min(1) }),
  z.object({ kind: z.literal('secret'), secretId: z.string().min(1), context: z.string().optional() }),
]);
export type CredentialsRef = z.infer<typeof CredentialsRefSchema>;

/** What it takes to reach a cluster: its name (for messages) and where its credentials are. */
export interface ClusterAccess {
  readonly name: string;
  readonly credentials: CredentialsRef;
}
