import type { EventOf } from '@commerce/events';
import { actionFor, type SagaAction, StepArrivedEarly } from '../domain/reservation.ts';
import { findReservationForUpdate, moveReservation, type StoredReservation, type Tx } from '../repository.ts';

/**
 * orders confirmed a paid order: its reserved units are sold. They leave on-hand stock with their
 * promise (available does not move) as a SALE. Heard before the placement was applied, it waits
 * (a transient error: retried later); a reservation in any other state is left as it is.
 */
export async function commitReservation(
  tx: Tx,
  order: EventOf<'orders.order.confirmed'>['data'],
  read?: StoredReservation | null,
): Promise<SagaAction> {
  const reservation = await findReservationForUpdate(tx, order.orderId, read);
  const action = actionFor('confirmed', reservation?.status ?? null);
  if (action === 'wait') {
    throw new StepArrivedEarly(`order ${order.orderId} confirmed before inventory applied its placement; will retry`);
  }
  if (action === 'commit' && reservation) await moveReservation(tx, reservation, 'commit');
  return action;
}
