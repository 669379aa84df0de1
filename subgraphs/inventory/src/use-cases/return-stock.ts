import type { EventOf } from '@commerce/events';
import { actionFor, type SagaAction, StepArrivedEarly } from '../domain/reservation.ts';
import { findReservationForUpdate, moveReservation, type StoredReservation, type Tx } from '../repository.ts';

/**
 * orders refunded a confirmed order: the sold units are back on hand and available (a RETURN).
 * Heard before the sale was applied, it waits (a transient error: retried later).
 */
export async function returnStock(
  tx: Tx,
  order: EventOf<'orders.order.refunded'>['data'],
  read?: StoredReservation | null,
): Promise<SagaAction> {
  const reservation = await findReservationForUpdate(tx, order.orderId, read);
  const action = actionFor('refunded', reservation?.status ?? null);
  if (action === 'wait') {
    throw new StepArrivedEarly(`order ${order.orderId} refunded before inventory applied its sale; will retry`);
  }
  if (action === 'return' && reservation) await moveReservation(tx, reservation, 'return');
  return action;
}
