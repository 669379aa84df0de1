/**
 * The orchestrator's moves: each answer of inventory and payments, and each due timer, moves the
 * order on (or, when it has moved on already, changes nothing). Each runs inside the transaction
 * that records the event in the inbox; a lost race with another transition (StaleOrder) rolls it
 * back and the consumer retries the event against the order's new state.
 */
import {
  type CommerceEvent,
  type EventOf,
  orderCancelled,
  orderConfirmed,
  orderPaymentRequested,
  orderRefunded,
  orderRefundFailed,
  orderRejected,
} from '@commerce/events';
import { type HandlerContext, type Logger, PermanentError } from '@commerce/service-kit';
import type { SagaTimeouts } from '../config.ts';
import type { OrderWithItems } from '../domain/order.ts';
import {
  type CancelCause,
  type DeadlineStep,
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
import { deadlineId, stepDeadline } from './step-deadlines.ts';

export type SagaDeps = { timeouts: SagaTimeouts; logger: Logger };

const linesOf = (order: OrderWithItems) =>
  order.items.map(({ productId, quantity, unitPriceCents }) => ({ productId, quantity, unitPriceCents }));

async function orderNamed(tx: Tx, orderId: string, read?: OrderWithItems | null): Promise<OrderWithItems> {
  const order = read === undefined ? await findOrder(tx, orderId) : read;
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

type Move = Decision & { kind: 'move' };

/**
 * Where a move runs: the event's transaction, the consumer's context and, when the consumer read
 * it with the transaction's BEGIN (orderReading), the order as it stands (null: not there).
 */
export type Step = { tx: Tx; context: HandlerContext; read?: OrderWithItems | null };

/** The timer of the step an order waits at: the move that leaves the step withdraws it. */
const stepTimers: Partial<Record<OrderWithItems['status'], DeadlineStep>> = {
  PENDING: 'RESERVATION',
  AWAITING_PAYMENT: 'PAYMENT',
};

/**
 * One move of the saga, the same for every answer: read the order, decide from its state, log a
 * decision that leaves it as it is, and write the decision with, on a move, the events it emits.
 * A move out of a step that has a timer withdraws the timer once committed (it would find the
 * order moved on and change nothing: not firing spares its job and its transaction).
 */
async function advance(
  deps: SagaDeps,
  { tx, context, read }: Step,
  event: { type: string; data: { orderId: string } },
  decide: (order: OrderWithItems) => Decision | Promise<Decision>,
  emits: (order: OrderWithItems, decision: Move) => CommerceEvent[] = () => [],
): Promise<void> {
  const order = await orderNamed(tx, event.data.orderId, read);
  const decision = await decide(order);
  logUnchanged(deps, order, decision, event.type);
  await applyDecision(tx, order, decision, decision.kind === 'move' ? emits(order, decision) : []);
  const timer = stepTimers[order.status];
  if (
    decision.kind === 'move' &&
    decision.to !== order.status &&
    timer &&
    event.type !== 'orders.order.step-deadline'
  ) {
    context.withdrawTimerAfterCommit(deadlineId(order.id, timer));
  }
}

/** inventory.reservation.reserved: ask payments to charge, and start the payment's timer. */
export const requestPayment = (deps: SagaDeps, step: Step, event: EventOf<'inventory.reservation.reserved'>) =>
  advance(deps, step, event, onStockReserved, (order) => [
    orderPaymentRequested.create({
      orderId: order.id,
      customerId: order.customerId,
      amountCents: order.totalCents,
      currency: order.currency,
    }),
    stepDeadline(order.id, 'PAYMENT', deps.timeouts.paymentTimeoutMs),
  ]);

/** inventory.reservation.rejected: the order is refused, naming the products that are short. */
export const rejectOrder = (deps: SagaDeps, step: Step, event: EventOf<'inventory.reservation.rejected'>) =>
  advance(
    deps,
    step,
    event,
    async (order) => {
      const names = await productCopies(
        step.tx,
        event.data.shortages.map((short) => short.productId),
      );
      const shortages = event.data.shortages.map((short) => ({
        name: names.get(short.productId)?.name ?? `product ${short.productId}`,
        requested: short.requested,
        available: short.available,
      }));
      return onStockRejected(order, shortages, event.data.reason);
    },
    (order, decision) => [
      orderRejected.create({ orderId: order.id, customerId: order.customerId, reason: decision.entry.detail }),
    ],
  );

/** payments.payment.captured: the order is confirmed (inventory commits the stock). */
export const confirmOrder = (deps: SagaDeps, step: Step, event: EventOf<'payments.payment.captured'>) =>
  advance(
    deps,
    step,
    event,
    (order) => onPaymentCaptured(order, money(event.data.amountCents, event.data.currency)),
    (order) => [
      orderConfirmed.create({
        orderId: order.id,
        customerId: order.customerId,
        items: linesOf(order),
        totalCents: order.totalCents,
        currency: order.currency,
      }),
    ],
  );

/** payments.payment.failed: the order is cancelled (inventory releases the reservation). */
export const cancelUnpaidOrder = (deps: SagaDeps, step: Step, event: EventOf<'payments.payment.failed'>) =>
  advance(
    deps,
    step,
    event,
    (order) => onPaymentFailed(order, event.data.declined, event.data.reason),
    (order, decision) => [cancellationEvent(order, decision)],
  );

/** orders.order.step-deadline: an order still waiting at that step is cancelled. */
export const timeOutStep = (deps: SagaDeps, step: Step, event: EventOf<'orders.order.step-deadline'>) =>
  advance(
    deps,
    step,
    event,
    (order) => onStepDeadline(order, event.data.step, Date.parse(event.data.dueAt) - Date.parse(event.occurredAt)),
    (order, decision) => [cancellationEvent(order, decision)],
  );

/** payments.payment.refunded: a refund staff asked for is done (inventory takes the goods back). */
export const completeRefund = (deps: SagaDeps, step: Step, event: EventOf<'payments.payment.refunded'>) =>
  advance(
    deps,
    step,
    event,
    (order) => onPaymentRefunded(order, money(event.data.amountCents, order.currency)),
    (order) => [
      orderRefunded.create({
        orderId: order.id,
        customerId: order.customerId,
        items: linesOf(order),
        amountCents: event.data.amountCents,
        currency: order.currency,
        reason: order.refundReason ?? 'Refunded by staff.',
      }),
    ],
  );

/** payments.refund.failed: noted; the order stays CONFIRMED and may be refunded again. */
export const recordRefundFailure = (deps: SagaDeps, step: Step, event: EventOf<'payments.refund.failed'>) =>
  advance(
    deps,
    step,
    event,
    (order) => onRefundFailed(order, event.data.reason),
    (order) => [
      orderRefundFailed.create({ orderId: order.id, customerId: order.customerId, reason: event.data.reason }),
    ],
  );
