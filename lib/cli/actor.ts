import { userInfo } from 'node:os';
import type { Requester } from '../../events/requester.ts';

/** Who is at the terminal, for the record: CAPSTAN_ACTOR (a CI job, a chat-ops bot) or the OS user. */
export const actor = (): string => process.env.CAPSTAN_ACTOR || userInfo().username;

/** The CLI's requester on the events it sends (events/requester.ts): the ingest token lets `cli` through. */
export const cliRequester = (): Requester => ({ kind: 'cli', user: actor() });
