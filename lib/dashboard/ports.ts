import type { AppRecord } from '../store/apps.ts';
import type { Cluster } from '../store/clusters.ts';
import type { HistoryPage, HistoryPageQuery } from '../store/history-page.ts';
import type { EnvironmentPolicy } from '../store/ports.ts';
import type { Release } from '../store/releases.ts';
import type { SignedIn } from '../store/sign-in-tickets.ts';

/** What the dashboard reads: the table only, never a cluster (the page needs no cluster credentials). */
export interface DashboardReads {
  apps(): Promise<AppRecord[]>;
  clusters(): Promise<Cluster[]>;
  /** The environments set with `capstan env set` (others exist by their clusters). */
  environmentNames(): Promise<string[]>;
  /** Its settings, or the defaults its name gives (prod* is protected). */
  policy(environment: string): Promise<EnvironmentPolicy>;
  /** The newest releases of an app into an environment, newest first. */
  releases(app: string, environment: string): Promise<Release[]>;
  history(q: HistoryPageQuery): Promise<HistoryPage>;
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
}

export interface DashboardRequest {
  /** `GET /api/fleet`: the route API Gateway (or the local edge) matched. */
  readonly routeKey: string;
  readonly rawQueryString: string;
  /** Payload 2.0 `cookies`. */
  readonly cookies?: readonly string[];
  /** Whether cookies must be `Secure`: everywhere but plain http on loopback. */
  readonly secure: boolean;
  /** The request's body, decoded (a form post). */
  readonly body?: string;
  /** The browser's Origin header, and capstan's own origin as this request reached it. */
  readonly origin?: string;
  readonly ownOrigin: string;
}

export interface DashboardAnswer {
  readonly status: number;
  readonly body?: Record<string, unknown>;
  readonly cookies?: readonly string[];
  readonly location?: string;
  /** A page instead of JSON (sign-in). */
  readonly html?: string;
}
