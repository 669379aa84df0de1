import { type EventHandlers, withReads } from '@commerce/service-kit';
import type { OrderWithItems } from './domain/order.ts';
import { keepProductState, orderReading, type Tx } from './repository.ts';
import {
  cancelUnpaidOrder,
  completeRefund,
  confirmOrder,
  recordRefundFailure,
  rejectOrder,
  requestPayment,
  type SagaDeps,
  type Step,
  timeOutStep,
} from './use-cases/advance-order.ts';

/**
 * A move of the saga as a handler: the order it decides from is read with the transaction's BEGIN
 * and the inbox row, in one round trip.
 */
function sagaStep<E extends { data: { orderId: string } }>(
  deps: SagaDeps,
  move: (deps: SagaDeps, step: Step, event: E) => Promise<void>,
) {
  return withReads<E, Tx, OrderWithItems>({
    reads: (event) => orderReading(event.data.orderId),
    apply: (event, tx, [order], context) => move(deps, { tx, context, read: order ?? null }, event),
  });
}

/**
 * What orders does with the events it hears, each inside the transaction that records it: it
 * keeps its copy of catalog's products, and it runs the order saga (ARCHITECTURE.md, "Placing an
 * order") on inventory's and payments' answers and on its own step deadlines.
 */
export function ordersEventHandlers(deps: SagaDeps): EventHandlers<Tx> {
  return {
    'catalog.product.created': (event, tx) => keepProductState(tx, event.data),
    'catalog.product.price-changed': (event, tx) => keepProductState(tx, event.data),
    'catalog.product.archived': (event, tx) => keepProductState(tx, event.data),
    'inventory.reservation.reserved': sagaStep(deps, requestPayment),
    'inventory.reservation.rejected': sagaStep(deps, rejectOrder),
    'payments.payment.captured': sagaStep(deps, confirmOrder),
    'payments.payment.failed': sagaStep(deps, cancelUnpaidOrder),
    'orders.order.step-deadline': sagaStep(deps, timeOutStep),
    'payments.payment.refunded': sagaStep(deps, completeRefund),
    'payments.refund.failed': sagaStep(deps, recordRefundFailure),
  };
}
