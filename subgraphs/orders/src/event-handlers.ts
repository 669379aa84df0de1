import type { EventHandlers } from '@commerce/service-kit';
import { keepProductState, type Tx } from './repository.ts';
import {
  cancelUnpaidOrder,
  completeRefund,
  confirmOrder,
  recordRefundFailure,
  rejectOrder,
  requestPayment,
  type SagaDeps,
  timeOutStep,
} from './use-cases/advance-order.ts';

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
    'inventory.reservation.reserved': (event, tx, context) => requestPayment(deps, tx, event, context),
    'inventory.reservation.rejected': (event, tx, context) => rejectOrder(deps, tx, event, context),
    'payments.payment.captured': (event, tx, context) => confirmOrder(deps, tx, event, context),
    'payments.payment.failed': (event, tx, context) => cancelUnpaidOrder(deps, tx, event, context),
    'orders.order.step-deadline': (event, tx, context) => timeOutStep(deps, tx, event, context),
    'payments.payment.refunded': (event, tx, context) => completeRefund(deps, tx, event, context),
    'payments.refund.failed': (event, tx, context) => recordRefundFailure(deps, tx, event, context),
  };
}
