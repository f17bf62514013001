import type { Requester } from '../../../events/requester.ts';
import type { CiAllow } from '../../apps/chat-ops.ts';
import { type CiIdentity, identityOf } from './identity.ts';
import { type Refused, refusal } from './refusals.ts';

export type Admission = { readonly ok: true; readonly requester: Requester } | Refused;

const refOk = (a: CiAllow, id: CiIdentity) => a.refs.includes(id.ref) || (a.protectedRefs && id.refProtected);
const environmentOk = (a: CiAllow, id: CiIdentity) => a.environment === undefined || a.environment === id.environment;
const workflowOk = (a: CiAllow, id: CiIdentity) => a.workflow === undefined || a.workflow === id.workflow;

/**
 * Whether the job a verified token describes may request a release into the environment: an entry of its
 * `ci` list names the token's exact issuer and the repository by immutable id, allows its ref (exact, or
 * any protected ref), and, where it names them, its CI environment and deploy workflow. A pull or merge
 * request job never may. A refusal names the first thing no entry allows, so the job's log says what to fix.
 */
export const admitCi = (claims: Record<string, unknown>, allows: readonly CiAllow[]): Admission => {
  const ofIssuer = allows.filter((a) => a.issuer === claims.iss);
  const first = ofIssuer[0];
  if (!first) return refusal('issuer-not-allowed', String(claims.iss));
  const identified = identityOf(first.provider, claims);
  if (!identified.ok) return refusal('claims', identified.missing);
  const id = identified.identity;
  if (id.forChangeRequest) return refusal('pull-request', `${id.repository} ${id.ref}`);
  const ofRepository = ofIssuer.filter((a) => a.provider === id.provider && a.repositoryId === id.repositoryId);
  if (ofRepository.length === 0) return refusal('other-repository', `${id.repository} (id ${id.repositoryId})`);
  const ofRef = ofRepository.filter((a) => refOk(a, id));
  if (ofRef.length === 0) return refusal('other-ref', `${id.ref}${id.refProtected ? ' (protected)' : ''}`);
  const ofEnvironment = ofRef.filter((a) => environmentOk(a, id));
  if (ofEnvironment.length === 0) return refusal('other-environment', id.environment ?? '(none)');
  if (!ofEnvironment.some((a) => workflowOk(a, id))) return refusal('other-workflow', id.workflow ?? '(none)');
  return { ok: true, requester: requesterOf(id) };
};

const requesterOf = (id: CiIdentity): Requester => ({
  kind: 'ci',
  provider: id.provider,
  issuer: id.issuer,
  repository: id.repository,
  repositoryId: id.repositoryId,
  ref: id.ref,
  ...(id.workflow ? { workflow: id.workflow } : {}),
  ...(id.run ? { run: id.run } : {}),
  ...(id.environment ? { environment: id.environment } : {}),
  subject: id.subject,
});
