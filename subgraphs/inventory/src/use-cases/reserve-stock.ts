import type { EventOf } from '@commerce/events';
import { actionFor, combineLines, planReservation } from '../domain/reservation.ts';
import type { StockLevels } from '../domain/stock.ts';
import {
  applyReservation,
  findReservationForUpdate,
  readStockLevels,
  recordRejection,
  type StoredReservation,
  type Tx,
} from '../repository.ts';

/**
 * Reads and re-plans before giving the job back (it is then retried with backoff, seconds later).
 * A try that lost waited for the winner's row lock, so tries queue rather than spin; a popular
 * product with 8 reservations at once (the consumer's concurrency) needs up to 8 of them. With 5,
 * the saga benchmark's single product sent most reservations into backoff (a p50 of 10 s at 20
 * orders/s); 50 covers any concurrency the unit runs at.
 */
export const RESERVATION_TRIES = 50;

/** Other orders kept changing the same stock: transient, so the event is retried later. */
export class StockContention extends Error {
  override name = 'StockContention';
}

/**
 * orders placed an order: reserve every line or none (ARCHITECTURE.md, "Placing an order").
 * Optimistic concurrency: read the stock, plan, write each row only if it is as read; a row
 * changed in between means reading and planning again. Done once per order: a reservation row of
 * any status, the tombstone of a cancel heard first included, means there is nothing to do.
 */
export async function reserveStock(
  tx: Tx,
  order: EventOf<'orders.order.placed'>['data'],
  read?: StoredReservation | null,
  levelsRead?: Map<string, StockLevels>,
): Promise<'reserved' | 'rejected' | 'ignored'> {
  const existing = await findReservationForUpdate(tx, order.orderId, read);
  if (actionFor('placed', existing?.status ?? null) !== 'reserve') return 'ignored';

  const lines = combineLines(order.items);
  const productIds = lines.map((line) => line.productId);
  for (let attempt = 1; attempt <= RESERVATION_TRIES; attempt++) {
    // The first plan from the levels read with BEGIN, when the handler sent them; a retry reads anew.
    const levels = attempt === 1 && levelsRead ? levelsRead : await readStockLevels(tx, productIds);
    const plan = planReservation(lines, levels);
    if (plan.outcome === 'reject') {
      await recordRejection(tx, order.orderId, lines, plan.shortages, plan.reason);
      return 'rejected';
    }
    if ((await applyReservation(tx, order.orderId, plan.lines, order.items)) === 'reserved') return 'reserved';
  }
  throw new StockContention(
    `order ${order.orderId}: the stock changed under each of ${RESERVATION_TRIES} tries to reserve it; will retry`,
  );
}
