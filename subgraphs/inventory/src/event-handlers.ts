import type { EventOf } from '@commerce/events';
import { type EventHandlers, type Logger, withReads } from '@commerce/service-kit';
import type { SagaAction } from './domain/reservation.ts';
import {
  levelsOf,
  openStockRow,
  type PlacementRead,
  placementReading,
  reservationReading,
  type StoredReservation,
  type Tx,
} from './repository.ts';
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
  // Each saga step reads (and locks) the order's reservation with the transaction's BEGIN and
  // the inbox row, in one round trip.
  const step = <E extends { data: { orderId: string } }>(
    name: string,
    apply: (
      tx: Tx,
      data: E['data'],
      read: StoredReservation | null,
    ) => Promise<SagaAction | 'reserved' | 'rejected' | 'ignored'>,
  ) =>
    withReads<E, Tx, StoredReservation>({
      reads: (event) => reservationReading(event.data.orderId),
      apply: async (event, tx, [read]) => note(name, event.data.orderId, await apply(tx, event.data, read ?? null)),
    });
  return {
    'catalog.product.created': (event, tx) => openStockRow(tx, event.data.productId),
    // The placement reads the products' stock with its reservation, for its first plan.
    'orders.order.placed': withReads<EventOf<'orders.order.placed'>, Tx, PlacementRead>({
      reads: (event) =>
        placementReading(
          event.data.orderId,
          event.data.items.map((item) => item.productId),
        ),
      apply: async (event, tx, [read]) =>
        note(
          'placed',
          event.data.orderId,
          await reserveStock(tx, event.data, read?.reservation ?? null, read && levelsOf(read.stock)),
        ),
    }),
    'orders.order.cancelled': step('cancelled', releaseReservation),
    'orders.order.confirmed': step('confirmed', commitReservation),
    'orders.order.refunded': step('refunded', returnStock),
  };
}
