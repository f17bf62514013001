import type { AppRecord } from '../store/apps.ts';
import type { Cluster } from '../store/clusters.ts';
import type { NodeHeal } from '../store/heals.ts';
import type { HistoryPage, HistoryPageQuery } from '../store/history-page.ts';
import type { ImageHeal } from '../store/image-heals.ts';
import type { EnvironmentPolicy } from '../store/ports.ts';
import type { ReleaseApproval } from '../store/release-approvals.ts';
import type { Release } from '../store/releases.ts';
import type { ScaleOverride } from '../store/scale-overrides.ts';
import type { SignedIn } from '../store/sign-in-tickets.ts';

/** What the dashboard reads: the table only, never a cluster (the page needs no cluster credentials). */
export interface DashboardReads {
  apps(): Promise<AppRecord[]>;
  app(name: string): Promise<AppRecord | undefined>;
  clusters(): Promise<Cluster[]>;
  /** The environments set with `capstan env set` (others exist by their clusters). */
  environmentNames(): Promise<string[]>;
  /** Its settings, or the defaults its name gives (prod* is protected). */
  policy(environment: string): Promise<EnvironmentPolicy>;
  /** The newest releases of an app into an environment, newest first. */
  releases(app: string, environment: string): Promise<Release[]>;
  history(q: HistoryPageQuery): Promise<HistoryPage>;
  /** Every heal record of a cluster's nodes, and of its RBD images. */
  heals(cluster: string): Promise<NodeHeal[]>;
  imageHeals(cluster: string): Promise<ImageHeal[]>;
  /** The release approvals of an app and environment still open (waiting for votes). */
  openApprovals(app: string, environment: string): Promise<ReleaseApproval[]>;
  /** Every scaling override record of a cluster, active or reverted. */
  overrides(cluster: string): Promise<ScaleOverride[]>;
  /** Whether people of a chat workspace are let in (`capstan access workspace allow`). */
  workspaceAllowed(chat: 'slack', workspace: string): Promise<boolean>;
}

/** A person Slack signed in: their workspace (team) and user ids, and their name for people to read. */
export interface SlackIdentity {
  readonly team: string;
  readonly user: string;
  readonly name?: string;
}

/** "Sign in with Slack": Slack's OpenID Connect (lib/lambda/slack-openid.ts). */
export interface SlackSignIn {
  /** Slack's authorize page, asking for `openid profile`, to come back to `redirectUri` with a code. */
  authorizeUrl(o: { readonly state: string; readonly nonce: string; readonly redirectUri: string }): string;
  /**
   * Who Slack signed in, from the code it sent back: the code redeemed once for an ID token, the token's
   * signature (Slack's keys), issuer, audience, lifetime and nonce checked. Undefined when Slack refuses the
   * code or the token does not check out; thrown when Slack cannot be reached.
   */
  identify(o: {
    readonly code: string;
    readonly redirectUri: string;
    readonly nonce: string;
  }): Promise<SlackIdentity | undefined>;
}

/** A file the pages load (lib/dashboard/assets.ts): its type and bytes. */
export interface Asset {
  readonly contentType: string;
  readonly body: string;
}

export interface DashboardDeps {
  readonly reads: DashboardReads;
  /** Who a one-time sign-in ticket signs in, once (lib/store/sign-in-tickets.ts). */
  redeem(ticket: string): Promise<SignedIn | undefined>;
  /** Who it would sign in, leaving it unspent (the sign-in page says so). */
  peek(ticket: string): Promise<SignedIn | undefined>;
  /** The key sessions are signed with (../session.ts). */
  readonly sessionKey: Uint8Array;
  readonly now: () => Date;
  /** The style sheet and script the pages load, by file name; undefined for any other name. */
  asset(file: string): Asset | undefined;
  /**
   * Sign in with Slack: undefined when the sign-in secret names no Slack client. Asked only by the sign-in
   * routes and pages (throws when the secret cannot be read), so the rest of the dashboard never waits on it.
   */
  slack(): Promise<SlackSignIn | undefined>;
}

export interface DashboardRequest {
  /** `GET /api/fleet`: the route API Gateway (or the local edge) matched. */
  readonly routeKey: string;
  readonly rawQueryString: string;
  /** What the route's `{name}` segments matched. */
  readonly pathParameters?: Readonly<Record<string, string>>;
  /** Payload 2.0 `cookies`. */
  readonly cookies?: readonly string[];
  /** Whether cookies must be `Secure`: everywhere but plain http on loopback. */
  readonly secure: boolean;
  /** The request's body, decoded (a form post). */
  readonly body?: string;
  /** The browser's Origin header, and capstan's own origin as this request reached it. */
  readonly origin?: string;
  readonly ownOrigin: string;
  /** Asked by htmx: a live section's poll, or a boosted link or form (`HX-Request`, `HX-Boosted`). */
  readonly htmx?: 'poll' | 'boosted';
}

export interface DashboardAnswer {
  readonly status: number;
  readonly body?: Record<string, unknown>;
  readonly cookies?: readonly string[];
  readonly location?: string;
  /** A page instead of JSON. */
  readonly html?: string;
  /** A file instead (the pages' style sheet and script), cached for a while: nothing in it is secret. */
  readonly asset?: Asset;
  /** Tell htmx to reload the whole page (`HX-Refresh`): a poll whose session ended. */
  readonly refresh?: boolean;
}
