import { clientError, isUuid } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import { checkRestock, type StockLevels, StockRuleViolation } from '../domain/stock.ts';
import { addReceivedStock } from '../repository.ts';

/**
 * Staff received `quantity` units of a product. Only a product catalog has announced has a stock
 * row; any other id is NOT_FOUND (a typo must not open stock for a product that does not exist).
 */
export async function restock(db: Db, productId: string, quantity: number, actorId: string): Promise<StockLevels> {
  if (!isUuid(productId)) throw clientError('BAD_USER_INPUT', `${productId} is not a product id.`);
  try {
    checkRestock(quantity);
    const stock = await addReceivedStock(db, productId, quantity, actorId);
    if (!stock) throw clientError('NOT_FOUND', `No product has id ${productId}.`);
    return stock;
  } catch (error) {
    if (error instanceof StockRuleViolation) throw clientError('BAD_USER_INPUT', error.message);
    throw error;
  }
}
