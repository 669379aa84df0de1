/**
 * Every write to inventory's stock goes through here, in one transaction with the outbox row
 * that announces it (`inventory.stock.changed` on every change of levels).
 */
import { stockChanged } from '@commerce/events';
import { appendEvents, type TransactionClientOf } from '@commerce/service-kit';
import type { Db } from './db.ts';
import { available, checkLevels, type StockLevels } from './domain/stock.ts';

export type Tx = TransactionClientOf<Db>;

/**
 * The stock row of a product catalog has just created: nothing on hand. A row that exists
 * (a redelivery, a replay, seeded stock) is left as it is.
 */
export async function openStockRow(tx: Tx, productId: string): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO stock_items (product_id, on_hand, reserved, version, updated_at)
    VALUES (${productId}::uuid, 0, 0, 0, now())
    ON CONFLICT (product_id) DO NOTHING`;
}

/**
 * Adds `quantity` received units to a known product's stock. The database adds in one statement
 * (no read-modify-write, so concurrent restocks never conflict) and bumps the version that
 * reservations check; the adjustment with its actor and the event commit with it, and levels past
 * the rules (checkLevels throws) roll all of it back. Null when inventory has no row for the
 * product: catalog never announced it.
 */
export async function addReceivedStock(
  db: Db,
  productId: string,
  quantity: number,
  actorId: string,
): Promise<StockLevels | null> {
  return db.$transaction(async (tx) => {
    const [stock] = await tx.stockItem.updateManyAndReturn({
      where: { productId },
      data: { onHand: { increment: quantity }, version: { increment: 1 } },
    });
    if (!stock) return null;
    checkLevels(stock);
    await tx.stockAdjustment.create({ data: { productId, delta: quantity, reason: 'RESTOCK', actorId } });
    await appendEvents(tx, [
      stockChanged.create({ productId, available: available(stock), onHand: stock.onHand, reserved: stock.reserved }),
    ]);
    return stock;
  });
}
