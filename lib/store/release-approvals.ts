import { z } from 'zod';
import { DeployRequestedDataSchema } from '../../events/deploy-requested.ts';
import { RequesterSchema } from '../../events/requester.ts';

/**
 * A deploy request waiting for N distinct approvers (issue 13, lib/approvals), keyed by the request's event
 * id (keys.releaseApproval). It holds the request itself, so `release.approved` needs to carry nothing the
 * deploy consumer must trust: only a record whose `state` is `granted` is released, once (`released`).
 * Every change is a conditional write on `version`, so two votes landing at once both count.
 */
export const VoteSchema = z.strictObject({
  /** principalOf(voter): what makes two votes the same person's. */
  principal: z.string(),
  voter: RequesterSchema,
  decision: z.enum(['approve', 'reject']),
  at: z.iso.datetime({ offset: true }),
  via: z.enum(['slack', 'mattermost', 'cli']),
  /** Whether it counted towards the quorum; when not, why (the requester's own, a repeat). */
  counted: z.boolean(),
  why: z.string().optional(),
  comment: z.string().optional(),
});
export type Vote = z.infer<typeof VoteSchema>;

export const ApprovalStateSchema = z.enum(['open', 'granted', 'rejected', 'expired', 'released']);
export type ApprovalState = z.infer<typeof ApprovalStateSchema>;

export const ReleaseApprovalSchema = z.object({
  app: z.string(),
  environment: z.string(),
  /** The deploy request's event id. */
  id: z.string(),
  request: DeployRequestedDataSchema,
  requester: RequesterSchema,
  required: z.int().min(1),
  role: z.string(),
  selfApproval: z.boolean(),
  openedAt: z.iso.datetime({ offset: true }),
  dueAt: z.iso.datetime({ offset: true }),
  state: ApprovalStateSchema,
  /** When it left `open`, and (for a release) the revision it made. */
  endedAt: z.iso.datetime({ offset: true }).optional(),
  revision: z.int().min(1).optional(),
  votes: z.array(VoteSchema),
  version: z.int().min(0),
});
export type ReleaseApproval = z.infer<typeof ReleaseApprovalSchema>;
