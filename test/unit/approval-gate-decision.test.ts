import { describe, expect, it } from 'vitest';
import { ApprovalPolicySchema } from '../../lib/apps/chat-ops.ts';
import { approvalGateFor } from '../../lib/deploy/decisions/approval-gate.ts';

const two = ApprovalPolicySchema.parse({ required: 2 });
const standard = ApprovalPolicySchema.parse({});

describe('approvalGateFor', () => {
  it.each([
    { name: 'no policy, no ask: no gate', policy: undefined, ask: undefined, gate: undefined },
    { name: 'no policy, ask false: no gate', policy: undefined, ask: false, gate: undefined },
    { name: 'no policy, asked: the default policy', policy: undefined, ask: true, gate: standard },
    { name: 'policy, not asked: the policy', policy: two, ask: undefined, gate: two },
    { name: 'policy, ask false: still the policy (never removes a gate)', policy: two, ask: false, gate: two },
    { name: 'policy, asked: the policy', policy: two, ask: true, gate: two },
  ])('$name', ({ policy, ask, gate }) => {
    expect(approvalGateFor(policy, ask)).toEqual(gate);
  });

  it('the default policy is one approver with the approve role, no self-approval, 24 h', () => {
    expect(standard).toEqual({ required: 1, role: 'approve', selfApproval: false, expiry: 24 * 3600 });
  });
});
