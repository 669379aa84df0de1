import { clientError, isUuid } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import { checkLevels, checkRestock, type StockLevels, StockRuleViolation } from '../domain/stock.ts';

/**
 * Staff received `quantity` units of a product. Adding is commutative, so the database adds in
 * one statement (no read-modify-write, so concurrent restocks never conflict) and bumps the
 * version that reservations check. The change is recorded with its actor in the same transaction;
 * a result past the rules rolls both back.
 */
export async function restock(db: Db, productId: string, quantity: number, actorId: string): Promise<StockLevels> {
  if (!isUuid(productId)) throw clientError('BAD_USER_INPUT', `${productId} is not a product id.`);
  try {
    checkRestock(quantity);
    return await db.$transaction(async (tx) => {
      const stock = await tx.stockItem.upsert({
        where: { productId },
        create: { productId, onHand: quantity, version: 1 },
        update: { onHand: { increment: quantity }, version: { increment: 1 } },
      });
      checkLevels(stock);
      await tx.stockAdjustment.create({ data: { productId, delta: quantity, reason: 'RESTOCK', actorId } });
      return stock;
    });
  } catch (error) {
    if (error instanceof StockRuleViolation) throw clientError('BAD_USER_INPUT', error.message);
    throw error;
  }
}
