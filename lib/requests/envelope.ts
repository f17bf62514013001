import { SCHEMA_VERSION } from '../../events/envelope.ts';
import { type CapstanEvent, type ParseResult, parseEvent } from '../../events/index.ts';

/** What a person's request becomes, whichever edge they asked at (the CLI, chat). */
export interface RequestedEvent {
  readonly id: string;
  readonly type: CapstanEvent['type'];
  /** `capstan/cli`, `capstan/slack`: the edge that authenticated the person. */
  readonly source: string;
  readonly subject: string;
  readonly data: Record<string, unknown>;
  readonly time: Date;
}

/**
 * The envelope around a request, validated against the contract: a refusal names every bad field before
 * anything is sent. Pure, so the CLI (lib/cli/request.ts) and the chat edge (lib/chat) build the same thing.
 */
export const buildRequestEvent = (e: RequestedEvent): ParseResult =>
  parseEvent({
    specversion: '1.0',
    id: e.id,
    type: e.type,
    source: e.source,
    time: e.time.toISOString(),
    subject: e.subject,
    schemaversion: SCHEMA_VERSION,
    data: e.data,
  });
