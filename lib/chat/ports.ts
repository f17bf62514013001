import type { AppSpec } from '../apps/spec.ts';
import type { Enqueue } from '../queue/send.ts';
import type { AccessSnapshot, Workspace } from '../roles.ts';
import type { ChatOrigin } from '../store/chat-origins.ts';
import type { HistoryEntry } from '../store/history.ts';
import type { ReleaseApproval } from '../store/release-approvals.ts';
import type { Release } from '../store/releases.ts';
import type { GroupMembers } from './slack/groups.ts';

/** What the chat edge reads and does, each behind one narrow function (lib/chat/store.ts is the table's). */
export interface ChatPorts {
  readonly access: (environment: string) => Promise<AccessSnapshot>;
  readonly workspaceAllowed: (chat: Workspace['chat'], workspace: string) => Promise<boolean>;
  /** Absent without a bot token: group grants then cannot be resolved, and count for nobody. */
  readonly groupMembers?: GroupMembers;
  readonly appSpec: (app: string) => Promise<AppSpec | undefined>;
  readonly releases: (app: string, environment: string) => Promise<Release[]>;
  readonly appReleases: (app: string) => Promise<Release[]>;
  readonly history: (app: string) => Promise<HistoryEntry[]>;
  readonly approvals: (app: string, environment: string) => Promise<ReleaseApproval[]>;
  readonly approval: (app: string, environment: string, id: string) => Promise<ReleaseApproval | undefined>;
  readonly putOrigin: (origin: ChatOrigin) => Promise<void>;
  /**
   * An ephemeral answer through a Slack response_url (a capability: never logged). Slack ignores the body
   * of a button click's answer, so this is the only way a refused click reaches the person.
   */
  readonly respond?: (responseUrl: string, text: string) => Promise<void>;
  readonly enqueue: Enqueue;
  readonly now: () => Date;
  readonly warn: (message: string, extra?: Record<string, unknown>) => void;
}
