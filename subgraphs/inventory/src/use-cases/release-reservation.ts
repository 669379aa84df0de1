import type { EventOf } from '@commerce/events';
import { actionFor, type SagaAction } from '../domain/reservation.ts';
import {
  findReservationForUpdate,
  moveReservation,
  recordCancelledBeforeReservation,
  type StoredReservation,
  type Tx,
} from '../repository.ts';

/**
 * orders cancelled an order before it was paid: what it reserved is available again. Heard before
 * the placement (events of one order can be applied in either order), it leaves a tombstone so
 * the placement reserves nothing. A reservation rejected, released or committed stays as it is.
 */
export async function releaseReservation(
  tx: Tx,
  order: EventOf<'orders.order.cancelled'>['data'],
  read?: StoredReservation | null,
): Promise<SagaAction> {
  const reservation = await findReservationForUpdate(tx, order.orderId, read);
  const action = actionFor('cancelled', reservation?.status ?? null);
  if (action === 'tombstone') await recordCancelledBeforeReservation(tx, order.orderId, order.items);
  if (action === 'release' && reservation) await moveReservation(tx, reservation, 'release');
  return action;
}
