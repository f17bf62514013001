import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ApprovalCheckEventSchema } from './approval-check.ts';
import { ApprovalVoteEventSchema } from './approval-vote.ts';
import { ChatNotifyEventSchema } from './chat-notify.ts';
import { DeployRequestedEventSchema } from './deploy-requested.ts';
import { HealCheckEventSchema } from './heal-check.ts';
import { HpaThresholdHitEventSchema } from './hpa-threshold-hit.ts';
import { ImagePushedEventSchema } from './image-pushed.ts';
import { NodeLostEventSchema } from './node-lost.ts';
import { NodeRecoveredEventSchema } from './node-recovered.ts';
import { OpsNotifyEventSchema } from './ops-notify.ts';
import { RbdLockDetectedEventSchema } from './rbd-lock-detected.ts';
import { ReleaseAdvanceEventSchema } from './release-advance.ts';
import { ReleaseApprovedEventSchema } from './release-approved.ts';
import { RollbackRequestedEventSchema } from './rollback-requested.ts';
import { RolloutCheckEventSchema } from './rollout-check.ts';
import { ScaleCheckEventSchema } from './scale-check.ts';
import { ScaleRequestedEventSchema } from './scale-requested.ts';

export type { ApprovalCheck, ApprovalCheckData } from './approval-check.ts';
export type { ApprovalVote, ApprovalVoteData } from './approval-vote.ts';
export type { ChatNotify, ChatNotifyData } from './chat-notify.ts';
export type { DeployRequested, DeployRequestedData, Port } from './deploy-requested.ts';
export type { HealCheck, HealCheckData } from './heal-check.ts';
export type { HpaThresholdHit, HpaThresholdHitData, ScaleTarget } from './hpa-threshold-hit.ts';
export type { ImageProducer, ImagePushed, ImagePushedData } from './image-pushed.ts';
export type { ImageRef } from './image-ref.ts';
export type { NodeLost, NodeLostData } from './node-lost.ts';
export type { NodeRecovered, NodeRecoveredData } from './node-recovered.ts';
export type { OpsNotify, OpsNotifyData, OpsNotifyWhat } from './ops-notify.ts';
export type { RbdLockDetected, RbdLockDetectedData } from './rbd-lock-detected.ts';
export type { ReleaseAdvance, ReleaseAdvanceData } from './release-advance.ts';
export type { ReleaseApproved, ReleaseApprovedData } from './release-approved.ts';
export type { Requester } from './requester.ts';
export { principalOf, RequesterSchema, requesterText } from './requester.ts';
export type { RollbackRequested, RollbackRequestedData } from './rollback-requested.ts';
export type { RolloutCheck, RolloutCheckData } from './rollout-check.ts';
export type { ScaleCheck, ScaleCheckData, WorkloadRef } from './scale-check.ts';
export type { ScaleRequested, ScaleRequestedData } from './scale-requested.ts';

export const CapstanEventSchema = z.discriminatedUnion('type', [
  ImagePushedEventSchema,
  DeployRequestedEventSchema,
  HpaThresholdHitEventSchema,
  NodeLostEventSchema,
  NodeRecoveredEventSchema,
  HealCheckEventSchema,
  RbdLockDetectedEventSchema,
  RolloutCheckEventSchema,
  ReleaseAdvanceEventSchema,
  RollbackRequestedEventSchema,
  ScaleCheckEventSchema,
  ScaleRequestedEventSchema,
  ApprovalVoteEventSchema,
  ApprovalCheckEventSchema,
  ReleaseApprovedEventSchema,
  ChatNotifyEventSchema,
  OpsNotifyEventSchema,
]);

export type CapstanEvent = z.infer<typeof CapstanEventSchema>;
export type EventType = CapstanEvent['type'];

export const eventTypes = CapstanEventSchema.options.map((o) => o.shape.type.value) as readonly EventType[];

export type ParseResult = { ok: true; event: CapstanEvent } | { ok: false; issues: string[] };

/** Validates any inbound body against the contract; each issue names its path so a 4xx or DLQ reason is actionable. */
export const parseEvent = (input: unknown): ParseResult => {
  const unknownType = typeIssue(input);
  if (unknownType) return { ok: false, issues: [unknownType] };
  const result = CapstanEventSchema.safeParse(input);
  return result.success
    ? { ok: true, event: result.data }
    : { ok: false, issues: result.error.issues.map(formatIssue) };
};

// Checked first: without a known type zod cannot say which schema the rest should meet.
const typeIssue = (input: unknown): string | undefined => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const type = (input as { type?: unknown }).type;
  if (eventTypes.includes(type as EventType)) return undefined;
  const what = type === undefined ? 'missing' : `unknown event type ${JSON.stringify(type)}`;
  return `type: ${what}; known types: ${eventTypes.join(', ')}`;
};

const formatIssue = (issue: z.core.$ZodIssue): string => {
  const message =
    issue.code === 'invalid_key' ? `${issue.message}: ${issue.issues.map((i) => i.message).join('; ')}` : issue.message;
  return `${formatPath(issue.path)}: ${message}`;
};

/** `data.ports[0].containerPort`; `(root)` when the body itself is wrong. */
const formatPath = (path: readonly PropertyKey[]): string =>
  path.length === 0
    ? '(root)'
    : path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');

/**
 * Deterministic id for producers that send none (or whose id is not stable across retries), so a redelivery
 * dedupes. Parts are JSON-encoded before hashing so ["a", "bc"] and ["ab", "c"] never collide.
 */
export const eventId = (parts: readonly string[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
