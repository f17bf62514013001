import { createHash, randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type Db, parseItem } from './db.ts';
import { keys } from './keys.ts';

/** How long a sign-in link works: long enough to open it, short enough that a leaked one is soon dead. */
export const TICKET_SECONDS = 10 * 60;

const TicketSchema = z.object({
  principal: z.string().min(1),
  name: z.string().optional(),
  issuedAt: z.iso.datetime(),
});

export interface SignedIn {
  readonly principal: string;
  readonly name?: string;
}

/** 32 bytes, base64url: anything else is no ticket, and is not looked up. */
const TICKET_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** The table keeps only a ticket's digest: a read of the table yields no link that works. */
const digestOf = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

/** A one-time sign-in link's ticket for `who` (`capstan up` prints it): 256 random bits, base64url. */
export const issueTicket = async (db: Db, who: SignedIn, now: Date, seconds = TICKET_SECONDS): Promise<string> => {
  const ticket = randomBytes(32).toString('base64url');
  await db.doc.send(
    new PutCommand({
      TableName: db.table,
      Item: {
        ...keys.signInTicket(digestOf(ticket)),
        principal: who.principal,
        ...(who.name ? { name: who.name } : {}),
        issuedAt: now.toISOString(),
        // Unix seconds: the table's TTL removes it, and redeeming checks it (TTL deletes lag by hours).
        expiresAt: Math.floor(now.getTime() / 1000) + seconds,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  return ticket;
};

/** Who a ticket would sign in, leaving it unspent: the sign-in page names them before the button. */
export const peekTicket = async (db: Db, ticket: string, now: Date): Promise<SignedIn | undefined> => {
  if (!TICKET_FORMAT.test(ticket)) return undefined;
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.signInTicket(digestOf(ticket)), ConsistentRead: true }),
  );
  if (!Item || typeof Item.expiresAt !== 'number' || Item.expiresAt <= Math.floor(now.getTime() / 1000))
    return undefined;
  const t = parseItem(TicketSchema, Item);
  return { principal: t.principal, ...(t.name ? { name: t.name } : {}) };
};

/**
 * Who a ticket signs in, once: deleted as it is read (a conditional delete), so of two uses of one link at
 * most one signs in, whichever process serves them. An unknown, used or expired ticket signs in nobody.
 */
export const redeemTicket = async (db: Db, ticket: string, now: Date): Promise<SignedIn | undefined> => {
  if (!TICKET_FORMAT.test(ticket)) return undefined;
  try {
    const { Attributes } = await db.doc.send(
      new DeleteCommand({
        TableName: db.table,
        Key: keys.signInTicket(digestOf(ticket)),
        ConditionExpression: 'attribute_exists(PK) AND expiresAt > :now',
        ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!Attributes) return undefined;
    const t = parseItem(TicketSchema, Attributes);
    return { principal: t.principal, ...(t.name ? { name: t.name } : {}) };
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
};
