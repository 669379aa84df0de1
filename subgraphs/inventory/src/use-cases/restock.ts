import { clientError, isUuid } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import { NO_STOCK, restocked, type StockLevels, StockRuleViolation } from '../domain/stock.ts';
import { Prisma } from '../generated/prisma/client.ts';

const MAX_ATTEMPTS = 5;

class LostRace extends Error {}

/**
 * Staff received `quantity` units of a product. Read, apply the rule, write only if nobody wrote
 * in between (version check); on a lost race read again. Each restock is recorded with its actor.
 */
export async function restock(db: Db, productId: string, quantity: number, actorId: string): Promise<StockLevels> {
  if (!isUuid(productId)) throw clientError('BAD_USER_INPUT', `${productId} is not a product id.`);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await db.stockItem.findUnique({ where: { productId } });
    let next: StockLevels;
    try {
      next = restocked(current ?? NO_STOCK, quantity);
    } catch (error) {
      if (error instanceof StockRuleViolation) throw clientError('BAD_USER_INPUT', error.message);
      throw error;
    }
    const adjustment = { delta: quantity, reason: 'RESTOCK' as const, actorId };
    try {
      if (!current) {
        return await db.stockItem.create({
          data: { productId, ...next, adjustments: { create: adjustment } },
        });
      }
      return await db.$transaction(async (tx) => {
        const { count } = await tx.stockItem.updateMany({
          where: { productId, version: current.version },
          data: { onHand: next.onHand, version: next.version },
        });
        if (count === 0) throw new LostRace();
        await tx.stockAdjustment.create({ data: { productId, ...adjustment } });
        return next;
      });
    } catch (error) {
      const raced =
        error instanceof LostRace || (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002'); // created meanwhile
      if (!raced) throw error;
    }
  }
  throw clientError('CONFLICT', 'The stock kept changing while restocking; try again.');
}
