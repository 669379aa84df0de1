import type { EventHandlers, Logger } from '@commerce/service-kit';
import type { SagaAction } from './domain/reservation.ts';
import { openStockRow, type Tx } from './repository.ts';
import { commitReservation } from './use-cases/commit-reservation.ts';
import { releaseReservation } from './use-cases/release-reservation.ts';
import { reserveStock } from './use-cases/reserve-stock.ts';
import { returnStock } from './use-cases/return-stock.ts';

/** Jobs of inventory's queue applied at once: reservations of different orders race for real. */
export const INVENTORY_CONSUMER_CONCURRENCY = 8;

/**
 * What inventory does with the events it hears, each inside the transaction that records it.
 * A saga event its reservation has already moved past changes nothing and is logged: orders asked
 * for something inventory did not (or could no longer) do, which someone may want to know.
 */
export function inventoryEventHandlers(logger: Logger): EventHandlers<Tx> {
  const log = logger.child({ component: 'order-saga' });
  const note = (step: string, orderId: string, action: SagaAction | 'reserved' | 'rejected' | 'ignored') => {
    if (action === 'ignore' || action === 'ignored') log.info({ orderId, step }, 'saga event changes nothing');
  };
  return {
    'catalog.product.created': (event, tx) => openStockRow(tx, event.data.productId),
    'orders.order.placed': async (event, tx) => note('placed', event.data.orderId, await reserveStock(tx, event.data)),
    'orders.order.cancelled': async (event, tx) =>
      note('cancelled', event.data.orderId, await releaseReservation(tx, event.data)),
    'orders.order.confirmed': async (event, tx) =>
      note('confirmed', event.data.orderId, await commitReservation(tx, event.data)),
    'orders.order.refunded': async (event, tx) =>
      note('refunded', event.data.orderId, await returnStock(tx, event.data)),
  };
}
