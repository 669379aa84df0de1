/**
 * The orchestrator's moves: each answer of inventory and payments, and each due timer, moves the
 * order on (or, when it has moved on already, changes nothing). Each runs inside the transaction
 * that records the event in the inbox; a lost race with another transition (StaleOrder) rolls it
 * back and the consumer retries the event against the order's new state.
 */
import {
  type EventOf,
  orderCancelled,
  orderConfirmed,
  orderPaymentRequested,
  orderRefunded,
  orderRejected,
  orderStepDeadline,
} from '@commerce/events';
import { type Logger, PermanentError } from '@commerce/service-kit';
import type { SagaTimeouts } from '../config.ts';
import type { OrderWithItems } from '../domain/order.ts';
import {
  type CancelCause,
  type Decision,
  money,
  onPaymentCaptured,
  onPaymentFailed,
  onPaymentRefunded,
  onRefundFailed,
  onStepDeadline,
  onStockRejected,
  onStockReserved,
} from '../domain/saga.ts';
import { applyDecision, findOrder, productCopies, type Tx } from '../repository.ts';

export type SagaDeps = { timeouts: SagaTimeouts; logger: Logger };

const linesOf = (order: OrderWithItems) =>
  order.items.map(({ productId, quantity, unitPriceCents }) => ({ productId, quantity, unitPriceCents }));

async function orderNamed(tx: Tx, orderId: string): Promise<OrderWithItems> {
  const order = await findOrder(tx, orderId);
  // Every answer is about an order orders placed: one it never stored cannot be applied, ever.
  if (!order) throw new PermanentError(`no order ${orderId} in orders' database`);
  return order;
}

function logUnchanged(deps: SagaDeps, order: OrderWithItems, decision: Decision, eventType: string): void {
  if (decision.kind !== 'move') {
    deps.logger.info(
      { orderId: order.id, status: order.status, eventType, decision: decision.kind },
      decision.kind === 'nothing' ? `order unchanged: ${decision.why}` : 'order unchanged; noted on its timeline',
    );
  }
}

/** The cancellation event for a decision that cancels. */
export function cancellationEvent(order: OrderWithItems, decision: Decision & { kind: 'move' }) {
  return orderCancelled.create({
    orderId: order.id,
    customerId: order.customerId,
    items: linesOf(order),
    cause: decision.cancelCause as CancelCause,
    reason: decision.entry.detail,
  });
}

/** inventory.reservation.reserved: ask payments to charge, and start the payment's timer. */
export async function requestPayment(deps: SagaDeps, tx: Tx, event: EventOf<'inventory.reservation.reserved'>) {
  const order = await orderNamed(tx, event.data.orderId);
  const decision = onStockReserved(order);
  logUnchanged(deps, order, decision, event.type);
  const events =
    decision.kind === 'move'
      ? [
          orderPaymentRequested.create({
            orderId: order.id,
            customerId: order.customerId,
            amountCents: order.totalCents,
            currency: order.currency,
          }),
          orderStepDeadline.create({
            orderId: order.id,
            step: 'PAYMENT',
            dueAt: new Date(Date.now() + deps.timeouts.paymentTimeoutMs).toISOString(),
          }),
        ]
      : [];
  await applyDecision(tx, order, decision, events);
}

/** inventory.reservation.rejected: the order is refused, naming the products that are short. */
export async function rejectOrder(deps: SagaDeps, tx: Tx, event: EventOf<'inventory.reservation.rejected'>) {
  const order = await orderNamed(tx, event.data.orderId);
  const names = await productCopies(
    tx,
    event.data.shortages.map((short) => short.productId),
  );
  const shortages = event.data.shortages.map((short) => ({
    name: names.get(short.productId)?.name ?? `product ${short.productId}`,
    requested: short.requested,
    available: short.available,
  }));
  const decision = onStockRejected(order, shortages, event.data.reason);
  logUnchanged(deps, order, decision, event.type);
  const events =
    decision.kind === 'move'
      ? [orderRejected.create({ orderId: order.id, customerId: order.customerId, reason: decision.entry.detail })]
      : [];
  await applyDecision(tx, order, decision, events);
}

/** payments.payment.captured: the order is confirmed (inventory commits the stock). */
export async function confirmOrder(deps: SagaDeps, tx: Tx, event: EventOf<'payments.payment.captured'>) {
  const order = await orderNamed(tx, event.data.orderId);
  const decision = onPaymentCaptured(order, money(event.data.amountCents, event.data.currency));
  logUnchanged(deps, order, decision, event.type);
  const events =
    decision.kind === 'move'
      ? [
          orderConfirmed.create({
            orderId: order.id,
            customerId: order.customerId,
            items: linesOf(order),
            totalCents: order.totalCents,
            currency: order.currency,
          }),
        ]
      : [];
  await applyDecision(tx, order, decision, events);
}

/** payments.payment.failed: the order is cancelled (inventory releases the reservation). */
export async function cancelUnpaidOrder(deps: SagaDeps, tx: Tx, event: EventOf<'payments.payment.failed'>) {
  const order = await orderNamed(tx, event.data.orderId);
  const decision = onPaymentFailed(order, event.data.declined, event.data.reason);
  logUnchanged(deps, order, decision, event.type);
  await applyDecision(tx, order, decision, decision.kind === 'move' ? [cancellationEvent(order, decision)] : []);
}

/** orders.order.step-deadline: an order still waiting at that step is cancelled. */
export async function timeOutStep(deps: SagaDeps, tx: Tx, event: EventOf<'orders.order.step-deadline'>) {
  const order = await orderNamed(tx, event.data.orderId);
  const waited = Date.parse(event.data.dueAt) - Date.parse(event.occurredAt);
  const decision = onStepDeadline(order, event.data.step, waited);
  logUnchanged(deps, order, decision, event.type);
  await applyDecision(tx, order, decision, decision.kind === 'move' ? [cancellationEvent(order, decision)] : []);
}

/** payments.payment.refunded: a refund staff asked for is done (inventory takes the goods back). */
export async function completeRefund(deps: SagaDeps, tx: Tx, event: EventOf<'payments.payment.refunded'>) {
  const order = await orderNamed(tx, event.data.orderId);
  const decision = onPaymentRefunded(order, money(event.data.amountCents, order.currency));
  logUnchanged(deps, order, decision, event.type);
  const events =
    decision.kind === 'move'
      ? [
          orderRefunded.create({
            orderId: order.id,
            customerId: order.customerId,
            items: linesOf(order),
            amountCents: event.data.amountCents,
            currency: order.currency,
            reason: order.refundReason ?? 'Refunded by staff.',
          }),
        ]
      : [];
  await applyDecision(tx, order, decision, events);
}

/** payments.refund.failed: noted; the order stays CONFIRMED and may be refunded again. */
export async function recordRefundFailure(deps: SagaDeps, tx: Tx, event: EventOf<'payments.refund.failed'>) {
  const order = await orderNamed(tx, event.data.orderId);
  const decision = onRefundFailed(order, event.data.reason);
  logUnchanged(deps, order, decision, event.type);
  await applyDecision(tx, order, decision);
}
