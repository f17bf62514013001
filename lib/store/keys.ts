/**
 * Key layout of the single table. Each entity's keys are chosen for the queries the CLI and API make:
 *   clusters       PK=CLUSTERS                 SK=CLUSTER#<name>      GSI1: ENV#<env> / WAVE#<wave>#<name>
 *   release head   PK=REL#<app>#<env>          SK=HEAD                (last revision number)
 *   release        PK=REL#<app>#<env>          SK=REV#<0000000042>    GSI1: APP#<app> / REL#<createdAt>
 *   event marker   PK=REL#<app>#<env>          SK=EVENT#<eventId>     (which revision an event made)
 *   history        PK=HIST#APP#<app>           SK=<receivedAt>#<eventId>#<action>#<env>#<rev>#<cluster>#<container>#<outcome>
 *                                              (`-` for a part a step is not about; see historySortKey)
 *                                              GSI1: HIST#CLUSTER#<c> / the same SK
 *                  newest first in capstan's own order: <receivedAt> is when capstan first received the
 *                  event (its receipt, below), never the producer's clock nor a redelivery's; the rest
 *                  names the step and how it ended, so a redelivery ending the same way overwrites its
 *                  twin and a different ending is kept beside it. Items written before receipts existed
 *                  start with the event's own time instead.
 *   receipt        PK=RECEIPT#<eventId>        SK=RECEIPT             (first time capstan received it, TTL)
 *   lease          PK=LEASE#<name>             SK=LEASE               (TTL)
 *   app            PK=APPS                     SK=APP#<name>
 *   tracking       PK=TRACK#<host/repository>  SK=APP#<name>          (which apps, and containers, a push concerns)
 *   environment    PK=ENVS                     SK=ENV#<name>          (protected or not)
 *   node heal      PK=HEAL#<cluster>           SK=NODE#<node>         (healing a lost node; one record per node)
 *   image heal     PK=HEAL#<cluster>           SK=IMAGE#<pool>/<image> (freeing an RBD image a lost node held)
 *   scale override PK=SCALE#<cluster>          SK=WL#<namespace>/<Kind>/<name> (capstan's raise of a workload's ceiling)
 *   idempotency    PK=IDEMPOTENCY              SK=<function>#<hash>   (Powertools, TTL)
 *   workspace      PK=ACCESS                   SK=WORKSPACE#<chat>:<workspace> (a chat workspace allowed in)
 *   grant          PK=ACCESS#<env>             SK=GRANT#<role>#<subject> (lib/access: a role in an environment)
 *   channel        PK=ACCESS#<env>             SK=CHANNEL#<chat>:<workspace>/<channel> (commands allowed from)
 *   release approval PK=REL#<app>#<env>        SK=APPROVAL#<requestId> (a deploy request waiting for N approvers)
 *   chat origin    PK=ORIGIN#<requestId>       SK=ORIGIN              (where a chat request came from, TTL)
 *   chat message   PK=MSG#<requestId>          SK=MSG                 (the one message following a request)
 *   token id       PK=JTI#<issuer>#<jti>       SK=JTI                 (an OIDC token already used, TTL)
 *   sign-in ticket PK=TICKET#<sha256 of ticket> SK=TICKET             (a dashboard sign-in link, used once, TTL)
 *   session key    PK=DASHBOARD                SK=SESSION-KEY         (what dashboard sessions are signed with)
 */
export const keys = {
  clusters: { PK: 'CLUSTERS' },
  cluster: (name: string) => ({ PK: 'CLUSTERS', SK: `CLUSTER#${name}` }),
  clusterIndex: (environment: string, wave: number, name: string) => ({
    GSI1PK: `ENV#${environment}`,
    GSI1SK: `WAVE#${String(wave).padStart(4, '0')}#${name}`,
  }),
  environment: (environment: string) => ({ GSI1PK: `ENV#${environment}` }),
  releases: (app: string, environment: string) => ({ PK: `REL#${app}#${environment}` }),
  releaseHead: (app: string, environment: string) => ({ PK: `REL#${app}#${environment}`, SK: 'HEAD' }),
  release: (app: string, environment: string, revision: number) => ({
    PK: `REL#${app}#${environment}`,
    SK: `REV#${String(revision).padStart(10, '0')}`,
  }),
  releaseIndex: (app: string, createdAt: string) => ({ GSI1PK: `APP#${app}`, GSI1SK: `REL#${createdAt}` }),
  eventMarker: (app: string, environment: string, eventId: string) => ({
    PK: `REL#${app}#${environment}`,
    SK: `EVENT#${eventId}`,
  }),
  appHistory: (app: string) => ({ PK: `HIST#APP#${app}` }),
  clusterHistory: (cluster: string) => ({ GSI1PK: `HIST#CLUSTER#${cluster}` }),
  receipt: (eventId: string) => ({ PK: `RECEIPT#${eventId}`, SK: 'RECEIPT' }),
  lease: (name: string) => ({ PK: `LEASE#${name}`, SK: 'LEASE' }),
  idempotency: { PK: 'IDEMPOTENCY' },
  apps: { PK: 'APPS' },
  app: (name: string) => ({ PK: 'APPS', SK: `APP#${name}` }),
  tracking: (repository: string) => ({ PK: `TRACK#${repository}` }),
  tracker: (repository: string, app: string) => ({ PK: `TRACK#${repository}`, SK: `APP#${app}` }),
  environments: { PK: 'ENVS' },
  environmentSettings: (name: string) => ({ PK: 'ENVS', SK: `ENV#${name}` }),
  heals: (cluster: string) => ({ PK: `HEAL#${cluster}` }),
  heal: (cluster: string, node: string) => ({ PK: `HEAL#${cluster}`, SK: `NODE#${node}` }),
  imageHeal: (cluster: string, image: string) => ({ PK: `HEAL#${cluster}`, SK: `IMAGE#${image}` }),
  scaleOverrides: (cluster: string) => ({ PK: `SCALE#${cluster}` }),
  scaleOverride: (cluster: string, workload: string) => ({ PK: `SCALE#${cluster}`, SK: `WL#${workload}` }),
  workspaces: { PK: 'ACCESS', SKPrefix: 'WORKSPACE#' },
  workspace: (chat: string, workspace: string) => ({ PK: 'ACCESS', SK: `WORKSPACE#${chat}:${workspace}` }),
  accessOf: (environment: string) => ({ PK: `ACCESS#${environment}` }),
  grant: (environment: string, role: string, subject: string) => ({
    PK: `ACCESS#${environment}`,
    SK: `GRANT#${role}#${subject}`,
  }),
  channel: (environment: string, chat: string, workspace: string, channel: string) => ({
    PK: `ACCESS#${environment}`,
    SK: `CHANNEL#${chat}:${workspace}/${channel}`,
  }),
  releaseApprovals: (app: string, environment: string) => ({ PK: `REL#${app}#${environment}`, SKPrefix: 'APPROVAL#' }),
  releaseApproval: (app: string, environment: string, requestId: string) => ({
    PK: `REL#${app}#${environment}`,
    SK: `APPROVAL#${requestId}`,
  }),
  chatOrigin: (requestId: string) => ({ PK: `ORIGIN#${requestId}`, SK: 'ORIGIN' }),
  chatMessage: (requestId: string) => ({ PK: `MSG#${requestId}`, SK: 'MSG' }),
  tokenId: (issuer: string, jti: string) => ({ PK: `JTI#${issuer}#${jti}`, SK: 'JTI' }),
  signInTicket: (digest: string) => ({ PK: `TICKET#${digest}`, SK: 'TICKET' }),
  sessionKey: { PK: 'DASHBOARD', SK: 'SESSION-KEY' },
} as const;
