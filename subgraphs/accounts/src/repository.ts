// Every write of the accounts unit goes through here: one transaction per business change, with
// the events it causes appended to the outbox in that same transaction (README, "Events").
import { userRegistered } from '@commerce/events';
import { appendEvents, prismaSql } from '@commerce/service-kit';
import type { Db } from './db.ts';
import type { PartnerClient, User } from './generated/prisma/client.ts';

/** A new customer account, and `accounts.user.registered` with it. A taken email throws Prisma's P2002. */
export function openCustomerAccount(
  db: Db,
  account: { email: string; name: string; passwordHash: string },
): Promise<User> {
  return db.$transaction(async (tx) => {
    const user = await tx.user.create({ data: { ...account, role: 'CUSTOMER' } });
    await appendEvents(prismaSql(tx), [userRegistered.create({ userId: user.id, email: user.email, name: user.name })]);
    return user;
  });
}

/**
 * Catch-up for units that keep a copy of users (notifications' recipients): every user goes to the
 * outbox again as `accounts.user.registered` with `announcedAgain: true`, in pages, through the
 * normal relay, so nobody is welcomed twice. Running it twice changes nothing a copy keeps.
 * Returns how many users were announced.
 */
export async function replayUsers(db: Db, pageSize = 500): Promise<number> {
  let after: string | undefined;
  let announced = 0;
  for (;;) {
    const page = await db.$transaction(async (tx) => {
      const users = await tx.user.findMany({
        where: after ? { id: { gt: after } } : {},
        orderBy: { id: 'asc' },
        take: pageSize,
      });
      await appendEvents(
        prismaSql(tx),
        users.map((user) =>
          userRegistered.create({ userId: user.id, email: user.email, name: user.name, announcedAgain: true }),
        ),
      );
      return users;
    });
    announced += page.length;
    if (page.length < pageSize) return announced;
    after = page.at(-1)!.id;
  }
}

/** A partner's key, stored as its prefix and hash only. */
export function recordPartnerClient(
  db: Db,
  client: { name: string; keyPrefix: string; keyHash: string; createdById: string },
): Promise<PartnerClient> {
  return db.partnerClient.create({ data: client });
}

/** Revokes a partner's key; a second revocation keeps the first time. Null when no such client. */
export function revokePartnerKey(db: Db, id: string): Promise<PartnerClient | null> {
  return db.$transaction(async (tx) => {
    await tx.partnerClient.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return tx.partnerClient.findUnique({ where: { id } });
  });
}
