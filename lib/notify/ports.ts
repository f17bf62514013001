import type { Reason } from '../reasons.ts';
import type { ChatMessageRecord } from '../store/chat-messages.ts';
import type { ChatOrigin } from '../store/chat-origins.ts';
import type { ReleaseApproval } from '../store/release-approvals.ts';
import type { Release } from '../store/releases.ts';
import type { MattermostPort } from './mattermost.ts';
import type { Block } from './render.ts';

/** What the notifier reads of the table: a request's approval, release and refusal, and where to post. */
export interface NotifyReads {
  revisionOfEvent(app: string, environment: string, eventId: string): Promise<number | undefined>;
  release(app: string, environment: string, revision: number): Promise<Release>;
  /** Newest first. */
  recentReleases(app: string, environment: string, limit: number): Promise<Release[]>;
  approval(app: string, environment: string, request: string): Promise<ReleaseApproval | undefined>;
  /** Why the request was refused or skipped before it made a release, from its history. */
  refusal(app: string, environment: string, request: string): Promise<Reason | undefined>;
  /** The environment's `notify.slack.channel` in the app spec. */
  notifyChannel(app: string, environment: string): Promise<string | undefined>;
  /** The environment's own channel, for healing and scaling (`capstan env set --notify-channel`). */
  environmentChannel(environment: string): Promise<string | undefined>;
  origin(request: string): Promise<ChatOrigin | undefined>;
}

/** The one message of a request (lib/store/chat-messages.ts): claimed before it is posted, so it is posted once. */
export type { ChatMessageRecord } from '../store/chat-messages.ts';

export interface MessageStore {
  get(request: string): Promise<ChatMessageRecord | undefined>;
  /** Only where none exists, or (`over`) where the claim is still the one read; says whether it did. */
  claim(request: string, at: string, over?: string): Promise<boolean>;
  /** Gives up a claim nothing was posted under (only if it is still `at`). */
  unclaim(request: string, at: string): Promise<void>;
  /** The message posted under the claim (`chat` default slack). */
  posted(request: string, channel: string, ts: string, chat?: 'slack' | 'mattermost'): Promise<void>;
  /** Moves `summary` (the terminal outcome told privately) from `from` to `to` (undefined: none); says whether it did. */
  summarize(request: string, from: string | undefined, to: string | undefined): Promise<boolean>;
}

export interface ChatMessage {
  readonly text: string;
  readonly blocks: Block[];
}

/**
 * Slack, through `@slack/web-api`: throws ChatUnavailableError (retryable: rate limited, 5xx, unreachable)
 * or ChatRefusedError (terminal: invalid_auth, channel_not_found, ...).
 */
export interface SlackPort {
  post(token: string, channel: string, message: ChatMessage): Promise<{ channel: string; ts: string }>;
  update(token: string, channel: string, ts: string, message: ChatMessage): Promise<void>;
  /** An ephemeral answer through an interaction's response_url (a capability: never logged). */
  respond(responseUrl: string, text: string): Promise<void>;
}

export interface NotifyDeps {
  readonly reads: NotifyReads;
  readonly messages: MessageStore;
  readonly slack: SlackPort;
  /** The bot token of the chat secret; undefined when none is configured. */
  readonly botToken: () => Promise<string | undefined>;
  /**
   * Mattermost, for requests made there (no notify.slack.channel): its API at the chat secret's
   * mattermost.url, its mattermost.botToken, and its actionKey (the buttons' MAC; no buttons without it or
   * publicUrl).
   */
  readonly mattermost?: {
    readonly api: (url: string) => MattermostPort;
    readonly credentials: () => Promise<{
      readonly url?: string;
      readonly botToken?: string;
      readonly actionKey?: string;
    }>;
  };
  readonly now: () => Date;
  readonly publicUrl?: string;
  readonly log: (message: string, details?: Record<string, unknown>) => void;
}
