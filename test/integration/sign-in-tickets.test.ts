import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../lib/store/db.ts';
import { keys } from '../../lib/store/keys.ts';
import { rotateSessionKey, sessionKey } from '../../lib/store/session-key.ts';
import { issueTicket, redeemTicket, TICKET_SECONDS } from '../../lib/store/sign-in-tickets.ts';
import { awsClients, freshDb } from '../support/aws.ts';

// The dashboard's one-time sign-in links (issue 14) on the real DynamoDB Local: "used once" rests on its
// conditional delete, so nothing here is a double.
let db: Db;
const now = new Date('2026-12-04T10:00:00Z');
const alice = { principal: 'cli:alice', name: 'alice' };

beforeAll(async () => {
  db = await freshDb(awsClients().ddb);
});

describe('sign-in tickets', () => {
  it('sign in once: the second use of a link, and any later, sign in nobody', async () => {
    const ticket = await issueTicket(db, alice, now);
    expect(await redeemTicket(db, ticket, now)).toEqual(alice);
    expect(await redeemTicket(db, ticket, now)).toBeUndefined();
  });

  it('of five uses at once, exactly one signs in', async () => {
    const ticket = await issueTicket(db, { principal: 'cli:bob' }, now);
    const uses = await Promise.all(Array.from({ length: 5 }, () => redeemTicket(db, ticket, now)));
    expect(uses.filter(Boolean)).toEqual([{ principal: 'cli:bob' }]);
  });

  it('an expired, unknown or malformed ticket signs in nobody', async () => {
    const ticket = await issueTicket(db, alice, now);
    expect(await redeemTicket(db, ticket, new Date(now.getTime() + (TICKET_SECONDS + 1) * 1000))).toBeUndefined();
    expect(await redeemTicket(db, 'A'.repeat(43), now)).toBeUndefined();
    for (const bad of ['', 'short', `${'A'.repeat(43)}=`, '../../etc', 'A'.repeat(44)]) {
      expect(await redeemTicket(db, bad, now)).toBeUndefined();
    }
  });

  it('the table keeps the digest only, with its TTL', async () => {
    const ticket = await issueTicket(db, alice, now);
    const digest = createHash('sha256').update(ticket).digest('hex');
    const { Item } = await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.signInTicket(digest) }));
    expect(Item).toMatchObject({ principal: 'cli:alice', expiresAt: now.getTime() / 1000 + TICKET_SECONDS });
    expect(JSON.stringify(Item)).not.toContain(ticket);
  });
});

describe('the session key', () => {
  it('is made once, whichever process asks first; rotating it makes another', async () => {
    const keysAtOnce = await Promise.all(Array.from({ length: 5 }, () => sessionKey(db, now)));
    const [first] = keysAtOnce;
    expect(first?.byteLength).toBe(32);
    for (const k of keysAtOnce) expect(Buffer.from(k).equals(Buffer.from(first as Uint8Array))).toBe(true);
    expect(Buffer.from(await sessionKey(db, now)).equals(Buffer.from(first as Uint8Array))).toBe(true);
    await rotateSessionKey(db);
    expect(Buffer.from(await sessionKey(db, now)).equals(Buffer.from(first as Uint8Array))).toBe(false);
  });
});
