import { z } from 'zod';
import { DurationSchema } from './autoscaling.ts';

/**
 * How releases of an app into one environment are approved (issue 13): `required` distinct people holding
 * `role` there must approve before a deploy request releases; one reject ends it; it expires after `expiry`.
 * The requester's own approval counts only with `selfApproval`. Without this block a request releases at once.
 */
export const ApprovalPolicySchema = z.strictObject({
  required: z.int().min(1).max(10).default(1),
  /** The role (lib/access) an approver needs in the environment. */
  role: z.literal('approve').default('approve'),
  selfApproval: z.boolean().default(false),
  expiry: DurationSchema.default(24 * 3600),
});
export type ApprovalPolicy = z.infer<typeof ApprovalPolicySchema>;

/** Where people follow releases of the app in the environment: a channel id (Slack `C…`), never a name. */
export const SlackChannelIdSchema = z.string().regex(/^[CG][A-Z0-9]{2,20}$/, 'must be a Slack channel id');
export const NotifySchema = z.strictObject({
  slack: z.strictObject({ channel: SlackChannelIdSchema }).optional(),
});
export type Notify = z.infer<typeof NotifySchema>;

/** https, or http on loopback only (a local issuer in tests): keys fetched in clear text could be anyone's. */
export const trustedIssuerUrl = (value: string): boolean => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
};

/**
 * A CI job allowed to request releases into the environment with its OIDC ID token (issue 13). Matched on
 * immutable ids, never on names a rename changes: the exact issuer, the repository (GitHub `repository_id`,
 * GitLab `project_id`), the ref (or any protected ref), and when given the CI environment and the deploy
 * workflow (GitHub `job_workflow_ref`, exact).
 */
export const CiAllowSchema = z
  .strictObject({
    provider: z.enum(['github', 'gitlab']),
    /** Exactly the tokens' `iss`: `https://token.actions.githubusercontent.com`, `https://gitlab.com`. */
    issuer: z.url({ protocol: /^https?$/ }).refine(trustedIssuerUrl, 'must be https (http only on loopback)'),
    repositoryId: z.string().regex(/^\d{1,20}$/, 'must be the numeric repository_id / project_id'),
    /** Exact refs such as `refs/heads/main`; empty with `protectedRefs` to allow any protected ref. */
    refs: z.array(z.string().min(1).max(256)).max(20).default([]),
    protectedRefs: z.boolean().default(false),
    environment: z.string().min(1).max(256).optional(),
    workflow: z.string().min(1).max(512).optional(),
  })
  .refine((a) => a.refs.length > 0 || a.protectedRefs, {
    message: 'name the refs allowed, or set protectedRefs',
    path: ['refs'],
  });
export type CiAllow = z.infer<typeof CiAllowSchema>;
