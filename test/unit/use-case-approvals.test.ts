import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../events/envelope.ts';
import type { ApprovalCheck, ApprovalVote, Requester } from '../../events/index.ts';
import { approvalCheck, releaseApproved } from '../../lib/approvals/render/events.ts';
import { checkApproval } from '../../lib/approvals/use-cases/check.ts';
import { castVote } from '../../lib/approvals/use-cases/vote.ts';
import { type AppSpec, AppSpecSchema } from '../../lib/apps/spec.ts';
import { releaseToEnvironment } from '../../lib/deploy/use-cases/release.ts';
import { releaseApproved as releaseApprovedUseCase } from '../../lib/deploy/use-cases/release-approved.ts';
import { deployWithClusters, historySteps, type TestDeploy } from '../doubles/deploy-deps.ts';
import { deployRequested, HELLO_REPOSITORY } from '../doubles/events.ts';

const T0 = '2026-12-01T09:59:00.000Z';
const alice: Requester = { kind: 'cli', user: 'alice' };
const bob: Requester = { kind: 'cli', user: 'bob' };
const carol: Requester = { kind: 'slack', workspace: 'T1', user: 'U3' };

const app = (approval: Record<string, unknown> | undefined): AppSpec =>
  AppSpecSchema.parse({
    name: 'hello',
    namespace: 'demo',
    containers: [{ name: 'hello', repository: HELLO_REPOSITORY, limits: { cpu: '500m', memory: '256Mi' } }],
    environments: { staging: approval ? { approval } : {} },
  });

const setup = async (approval: Record<string, unknown> | null = { required: 2, expiry: '1h' }) => {
  const t = await deployWithClusters([{ name: 'east' }]);
  await t.db.seed.app(app(approval ?? undefined));
  return t;
};

const request = (id = 'd1') => deployRequested(id, T0, { requester: alice, image: `${HELLO_REPOSITORY}:1.0.0` });

let votes = 0;
const vote = (voter: Requester, decision: 'approve' | 'reject' = 'approve', approval = 'd1'): ApprovalVote => ({
  specversion: '1.0',
  id: `v${++votes}`,
  type: 'approval.vote',
  source: 'capstan/cli',
  time: T0,
  schemaversion: SCHEMA_VERSION,
  data: { app: 'hello', environment: 'staging', approval, decision, voter, via: 'cli' },
});

const approvalsDeps = (t: TestDeploy) => t.depsOf('approvals');
const record = (t: TestDeploy, id = 'd1') => t.db.store.releaseApprovals.get('hello', 'staging', id);
const sentTypes = (t: TestDeploy) =>
  t.queue.take().map((s) => (s.event.type === 'chat.notify' ? `chat.notify ${s.event.data.what}` : s.event.type));

describe('the approval gate of releaseToEnvironment', () => {
  it('opens an approval instead of releasing: history, a delayed expiry look, a chat notice; nothing applied', async () => {
    const t = await setup();
    const summary = await releaseToEnvironment(request(), t.deps);
    expect(summary).toMatchObject({ outcome: 'waiting', code: 'awaiting-approvals', clusters: {} });
    expect(await record(t)).toMatchObject({
      id: 'd1',
      requester: alice,
      required: 2,
      role: 'approve',
      selfApproval: false,
      state: 'open',
      openedAt: '2026-12-01T10:00:00.000Z',
      dueAt: '2026-12-01T11:00:00.000Z',
      request: { image: `${HELLO_REPOSITORY}:1.0.0` },
      votes: [],
    });
    expect(historySteps(t)).toEqual(['release - - pending awaiting-approvals']);
    expect(t.db.releases('hello', 'staging')).toEqual([]);
    expect(t.kube.applies).toEqual([]);
    const [check, notice] = t.queue.take();
    expect(check).toMatchObject({ event: { type: 'approval.check' }, delaySeconds: 900 });
    expect(notice?.event).toMatchObject({ type: 'chat.notify', data: { request: 'd1', what: 'approval-opened' } });
  });

  it('a redelivered request opens nothing new and sends the same look again', async () => {
    const t = await setup();
    await releaseToEnvironment(request(), t.deps);
    const first = t.queue.take().map((s) => s.event.id);
    await castVote(vote(bob), approvalsDeps(t));
    t.queue.take();
    await releaseToEnvironment(request(), t.deps);
    expect((await record(t))?.votes).toHaveLength(1);
    expect(t.queue.take().map((s) => s.event.id)).toEqual(first);
  });

  it('a request the rules refuse anyway is refused as before, without an approval', async () => {
    const t = await setup();
    await releaseToEnvironment(deployRequested('d1', T0, { requester: alice, container: 'nope' }), t.deps);
    expect(historySteps(t)).toEqual(['release - - refused policy']);
    expect(await record(t)).toBeUndefined();
    expect(t.queue.sent).toEqual([]);
  });

  it('the requester anonymous (the ingest token) when the request names nobody', async () => {
    const t = await setup();
    await releaseToEnvironment(deployRequested('d1', T0, { image: `${HELLO_REPOSITORY}:1.0.0` }), t.deps);
    expect((await record(t))?.requester).toEqual({ kind: 'token' });
  });

  it('an environment without approval releases at once, as before', async () => {
    const t = await setup(null);
    expect(await releaseToEnvironment(request(), t.deps)).toMatchObject({ outcome: 'released', revision: 1 });
  });

  it('a request that asks to wait (awaitApproval) opens an approval with the default policy there', async () => {
    const t = await setup(null);
    const asked = deployRequested('d1', T0, {
      requester: alice,
      image: `${HELLO_REPOSITORY}:1.0.0`,
      awaitApproval: true,
    });
    expect(await releaseToEnvironment(asked, t.deps)).toMatchObject({ outcome: 'waiting', code: 'awaiting-approvals' });
    expect(await record(t)).toMatchObject({ required: 1, role: 'approve', selfApproval: false, state: 'open' });
    expect(t.db.releases('hello', 'staging')).toEqual([]);
    expect(t.kube.applies).toEqual([]);
  });

  it('awaitApproval false never removes the gate of an environment with a policy', async () => {
    const t = await setup();
    const asked = deployRequested('d1', T0, {
      requester: alice,
      image: `${HELLO_REPOSITORY}:1.0.0`,
      awaitApproval: false,
    });
    expect(await releaseToEnvironment(asked, t.deps)).toMatchObject({ outcome: 'waiting', code: 'awaiting-approvals' });
    expect((await record(t))?.required).toBe(2);
  });
});

describe('votes and release.approved', () => {
  it("the requester's own vote does not count; two distinct approvers grant; the grant releases once", async () => {
    const t = await setup();
    await releaseToEnvironment(request(), t.deps);
    t.queue.take();
    const deps = approvalsDeps(t);
    expect(await castVote(vote(alice), deps)).toMatchObject({ outcome: 'not-counted', code: 'self-approval' });
    expect(await castVote(vote(bob), deps)).toMatchObject({ outcome: 'counted' });
    expect(await castVote(vote(bob), deps)).toMatchObject({ outcome: 'not-counted', code: 'repeat-vote' });
    expect(sentTypes(t)).toEqual([
      'chat.notify approval-voted',
      'chat.notify approval-voted',
      'chat.notify approval-voted',
    ]);
    expect(await castVote(vote(carol), deps)).toMatchObject({ outcome: 'granted' });
    expect(sentTypes(t)).toEqual(['release.approved', 'chat.notify approval-granted']);
    expect(historySteps(t).filter((s) => s.startsWith('approval.vote'))).toEqual([
      'approval.vote - - skipped self-approval',
      'approval.vote - - accepted -',
      'approval.vote - - skipped repeat-vote',
      'approval.vote - - succeeded -',
    ]);

    const approved = releaseApproved({ app: 'hello', environment: 'staging', id: 'd1', dueAt: '' }, t.clock.now());
    const summary = await releaseApprovedUseCase(approved, t.deps);
    expect(summary).toMatchObject({ outcome: 'released', revision: 1 });
    expect(t.db.releases('hello', 'staging')[0]).toMatchObject({ eventId: 'd1', image: `${HELLO_REPOSITORY}:1.0.0` });
    expect(await record(t)).toMatchObject({ state: 'released', revision: 1 });
    expect(t.kube.applies.length).toBeGreaterThan(0);

    // Delivered again: the record says released, nothing more is made.
    const applies = t.kube.applies.length;
    expect(await releaseApprovedUseCase(approved, t.deps)).toMatchObject({ outcome: 'skipped', code: 'duplicate' });
    expect(t.db.releases('hello', 'staging')).toHaveLength(1);
    expect(t.kube.applies).toHaveLength(applies);
    // A late vote changes nothing.
    expect(await castVote(vote({ kind: 'cli', user: 'dave' }), deps)).toMatchObject({ outcome: 'ended' });
  });

  it('a vote redelivered after its grant sends release.approved again (the same event)', async () => {
    const t = await setup({ required: 1 });
    await releaseToEnvironment(request(), t.deps);
    t.queue.take();
    const v = vote(bob);
    await castVote(v, approvalsDeps(t));
    const [granted] = t.queue.take();
    expect(await castVote(v, approvalsDeps(t))).toMatchObject({ outcome: 'ended' });
    expect(t.queue.take().map((s) => s.event.id)).toEqual([granted?.event.id]);
  });

  it('one reject ends it: rejected, no release.approved; release.approved for it is skipped', async () => {
    const t = await setup();
    await releaseToEnvironment(request(), t.deps);
    t.queue.take();
    await castVote(vote(bob), approvalsDeps(t));
    expect(await castVote(vote(carol, 'reject'), approvalsDeps(t))).toMatchObject({ outcome: 'rejected' });
    expect(sentTypes(t)).toEqual(['chat.notify approval-voted', 'chat.notify approval-rejected']);
    expect((await record(t))?.state).toBe('rejected');
    const approved = releaseApproved({ app: 'hello', environment: 'staging', id: 'd1', dueAt: '' }, t.clock.now());
    expect(await releaseApprovedUseCase(approved, t.deps)).toMatchObject({ outcome: 'skipped', code: 'rejected' });
    expect(t.db.releases('hello', 'staging')).toEqual([]);
  });

  it('release.approved for an open or a missing approval releases nothing', async () => {
    const t = await setup();
    await releaseToEnvironment(request(), t.deps);
    const of = (id: string) => releaseApproved({ app: 'hello', environment: 'staging', id, dueAt: '' }, t.clock.now());
    expect(await releaseApprovedUseCase(of('d1'), t.deps)).toMatchObject({ code: 'awaiting-approvals' });
    expect(await releaseApprovedUseCase(of('nope'), t.deps)).toMatchObject({ code: 'not-found' });
    expect(t.db.releases('hello', 'staging')).toEqual([]);
  });

  it('a vote that lost the race to another write is read and counted again', async () => {
    const t = await setup();
    await releaseToEnvironment(request(), t.deps);
    const store = t.db.store.releaseApprovals;
    // Another vote lands between this one's read and its write.
    let raced = false;
    const deps = {
      ...approvalsDeps(t),
      store: {
        ...t.db.store,
        releaseApprovals: {
          ...store,
          save: async (next: Parameters<typeof store.save>[0], expected: number) => {
            if (!raced) {
              raced = true;
              await castVote(vote(carol), approvalsDeps(t));
            }
            return store.save(next, expected);
          },
        },
      },
    };
    expect(await castVote(vote(bob), deps)).toMatchObject({ outcome: 'granted' });
    const after = await record(t);
    expect(after?.votes.map((v) => v.principal)).toEqual(['slack:T1/U3', 'cli:bob']);
    expect(after?.state).toBe('granted');
  });

  it('a vote on no approval is recorded as not-found', async () => {
    const t = await setup();
    expect(await castVote(vote(bob, 'approve', 'nope'), approvalsDeps(t))).toMatchObject({ outcome: 'not-found' });
    expect(historySteps(t)).toEqual(['approval.vote - - skipped not-found']);
  });
});

describe('approval.check', () => {
  const firstCheck = (t: TestDeploy) => t.queue.ofType('approval.check')[0] as ApprovalCheck;

  it('looks again later until dueAt, then expires it: history and a chat notice; the chain ends', async () => {
    const t = await setup({ required: 2, expiry: '20m' });
    await releaseToEnvironment(request(), t.deps);
    const check = firstCheck(t);
    t.queue.take();
    t.clock.advance(900);
    expect(await checkApproval(check, approvalsDeps(t))).toMatchObject({ outcome: 'later' });
    const [next] = t.queue.take();
    expect(next).toMatchObject({ event: { type: 'approval.check' }, delaySeconds: 300 });
    expect(next?.event.id).not.toBe(check.id);
    // The same look delivered again sends the same next hop.
    await checkApproval(check, approvalsDeps(t));
    expect(t.queue.take().map((s) => s.event.id)).toEqual([next?.event.id]);

    t.clock.advance(300);
    expect(await checkApproval(next?.event as ApprovalCheck, approvalsDeps(t))).toMatchObject({ outcome: 'expired' });
    expect(sentTypes(t)).toEqual(['chat.notify approval-expired']);
    expect(await record(t)).toMatchObject({ state: 'expired', endedAt: t.clock.now().toISOString() });
    expect(historySteps(t)).toContain('approval - - failed expired');
    expect(await checkApproval(next?.event as ApprovalCheck, approvalsDeps(t))).toMatchObject({ outcome: 'ended' });
    expect(t.queue.sent).toEqual([]);
  });

  it('a granted one is left alone', async () => {
    const t = await setup({ required: 1 });
    await releaseToEnvironment(request(), t.deps);
    const check = firstCheck(t);
    await castVote(vote(bob), approvalsDeps(t));
    t.queue.take();
    t.clock.advance(7200);
    expect(await checkApproval(check, approvalsDeps(t))).toMatchObject({ outcome: 'ended' });
    expect(t.queue.sent).toEqual([]);
  });

  it('a look at no approval does nothing', async () => {
    const t = await setup();
    const look = approvalCheck({ app: 'hello', environment: 'staging', id: 'nope', dueAt: T0 }, t.clock.now());
    expect(await checkApproval(look, approvalsDeps(t))).toMatchObject({ outcome: 'not-found' });
  });
});
