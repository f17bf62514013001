import { ConflictError } from '../../errors.ts';
import type { ReleaseApproval } from '../../store/release-approvals.ts';
import type { ApprovalDeps } from '../ports.ts';

/** Lost races in a row before the step is left to a redelivery (votes cast together are few). */
const ATTEMPTS = 8;

/**
 * Reads the approval, decides, and writes the decision conditionally on the version read; a lost race is
 * read and decided again, so two votes landing together both count. Undefined when there is no approval.
 * `decide` returns `next` undefined when nothing is to be written.
 */
export const decideAndSave = async <T extends { next?: ReleaseApproval }>(
  key: { app: string; environment: string; approval: string },
  decide: (record: ReleaseApproval) => T,
  deps: ApprovalDeps,
): Promise<{ record: ReleaseApproval; decided: T } | undefined> => {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const record = await deps.store.releaseApprovals.get(key.app, key.environment, key.approval);
    if (!record) return undefined;
    const decided = decide(record);
    if (!decided.next || decided.next === record) return { record, decided };
    if (await deps.store.releaseApprovals.save(decided.next, record.version)) return { record, decided };
  }
  throw new ConflictError(`approval ${key.approval}: lost the race ${ATTEMPTS} times in a row (retried)`);
};
