import { type ApprovalPolicy, ApprovalPolicySchema } from '../../apps/chat-ops.ts';

/**
 * The approval a deploy request must wait for, if any: the environment's policy, or, for a request that asks
 * to wait (`awaitApproval`, a push into an environment without autoDeploy), the environment's policy or the
 * default one (1 approver). A request can only add a gate this way, never remove one.
 */
export const approvalGateFor = (
  policy: ApprovalPolicy | undefined,
  awaitApproval: boolean | undefined,
): ApprovalPolicy | undefined => policy ?? (awaitApproval ? ApprovalPolicySchema.parse({}) : undefined);
