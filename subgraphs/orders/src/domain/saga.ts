/**
 * The order saga as rules: given where an order stands and what just happened, what it becomes.
 * Every answer of inventory and payments, every timer and every request of a person is decided
 * here from the order's current state, so an answer that arrives late, twice or out of order (the
 * order moved on) changes nothing, or at most leaves a note on the timeline. Pure: no I/O.
 */
import type { OrderStatus } from '../generated/prisma/enums.ts';

export type { OrderStatus };
export type SagaOrder = { status: OrderStatus; refundPending: boolean };
export type DeadlineStep = 'RESERVATION' | 'PAYMENT';
export type CancelCause = 'CUSTOMER' | 'PAYMENT_DECLINED' | 'RESERVATION_TIMED_OUT' | 'PAYMENT_TIMED_OUT';

/** A line on the timeline: `step` is what happened, `detail` why, in words. */
export type TimelineNote = { step: string; detail: string };

/**
 * What to do with an order: `move` changes it (status and/or refund flag) with a timeline entry,
 * under the order's version; `note` only adds a timeline entry; `nothing` leaves it as it is.
 */
export type Decision =
  | {
      kind: 'move';
      to: OrderStatus;
      entry: TimelineNote;
      refundPending?: boolean;
      /** Why staff asked for the refund being requested. */
      refundReason?: string;
      cancelCause?: CancelCause;
    }
  | { kind: 'note'; entry: TimelineNote }
  | { kind: 'nothing'; why: string };

const nothing = (why: string): Decision => ({ kind: 'nothing', why });
const note = (detail: string): Decision => ({ kind: 'note', entry: { step: 'NOTE', detail } });

/** inventory reserved every line: the payment is next. */
export function onStockReserved(order: SagaOrder): Decision {
  if (order.status === 'PENDING') {
    return {
      kind: 'move',
      to: 'AWAITING_PAYMENT',
      entry: { step: 'STOCK_RESERVED', detail: 'Every item reserved; waiting for the payment.' },
    };
  }
  if (order.status === 'CANCELLED') {
    return note('Stock was reserved after the order was cancelled; inventory gives it back.');
  }
  return nothing(`stock reserved for an order already ${order.status}`);
}

export type Shortage = { name: string; requested: number; available: number };

/** inventory could not reserve every line: the order is refused, naming what is short. */
export function onStockRejected(order: SagaOrder, shortages: readonly Shortage[], reason: string): Decision {
  if (order.status !== 'PENDING') return nothing(`stock rejected for an order already ${order.status}`);
  const detail =
    shortages.length === 0
      ? `Not enough stock: ${reason}`
      : `Not enough stock of ${shortages
          .map((short) => `${short.name} (${short.requested} ordered, ${short.available} available)`)
          .join(', ')}.`;
  return { kind: 'move', to: 'REJECTED', entry: { step: 'OUT_OF_STOCK', detail } };
}

/** The provider captured the payment: the order is confirmed. */
export function onPaymentCaptured(order: SagaOrder, amount: string): Decision {
  if (order.status === 'AWAITING_PAYMENT') {
    return {
      kind: 'move',
      to: 'CONFIRMED',
      entry: { step: 'PAYMENT_CAPTURED', detail: `Payment of ${amount} captured; the order is confirmed.` },
    };
  }
  if (order.status === 'CANCELLED') {
    // payments heard the cancel too and refunds the charge on its own.
    return note(`A payment of ${amount} was captured after the order was cancelled; payments refunds it.`);
  }
  return nothing(`payment captured for an order already ${order.status}`);
}

/** The charge failed for good: the order is cancelled, inventory releases the stock. */
export function onPaymentFailed(order: SagaOrder, declined: boolean, reason: string): Decision {
  if (order.status !== 'AWAITING_PAYMENT') return nothing(`payment failed for an order already ${order.status}`);
  const detail = declined ? `The payment was declined: ${reason}` : `The payment could not be taken: ${reason}`;
  return { kind: 'move', to: 'CANCELLED', entry: { step: 'PAYMENT_FAILED', detail }, cancelCause: 'PAYMENT_DECLINED' };
}

/** A step's timer is due: if the order still waits at that step, it is cancelled. */
export function onStepDeadline(order: SagaOrder, step: DeadlineStep, waitedMs: number): Decision {
  const seconds = Math.round(waitedMs / 100) / 10;
  if (step === 'RESERVATION' && order.status === 'PENDING') {
    return {
      kind: 'move',
      to: 'CANCELLED',
      entry: { step: 'RESERVATION_TIMED_OUT', detail: `No answer about the stock within ${seconds} s; cancelled.` },
      cancelCause: 'RESERVATION_TIMED_OUT',
    };
  }
  if (step === 'PAYMENT' && order.status === 'AWAITING_PAYMENT') {
    return {
      kind: 'move',
      to: 'CANCELLED',
      entry: { step: 'PAYMENT_TIMED_OUT', detail: `No answer about the payment within ${seconds} s; cancelled.` },
      cancelCause: 'PAYMENT_TIMED_OUT',
    };
  }
  return nothing(`the ${step} deadline passed after the order moved on (${order.status})`);
}

/** Why a person's request is refused, in a sentence; `code` is the client's error code. */
export class RequestRefused extends Error {
  override name = 'RequestRefused';
  constructor(
    readonly code: 'CONFLICT' | 'BAD_USER_INPUT',
    message: string,
  ) {
    super(message);
  }
}

/** The customer stops the order. `null`: cancelled already, nothing to do (a retry). */
export function cancelByCustomer(order: SagaOrder): Decision | null {
  switch (order.status) {
    case 'PENDING':
    case 'AWAITING_PAYMENT':
      return {
        kind: 'move',
        to: 'CANCELLED',
        entry: { step: 'CANCELLED', detail: 'Cancelled by the customer.' },
        cancelCause: 'CUSTOMER',
      };
    case 'CANCELLED':
      return null;
    case 'CONFIRMED':
    case 'REFUNDED':
      throw new RequestRefused('CONFLICT', 'This order is paid already: ask staff for a refund.');
    case 'REJECTED':
      throw new RequestRefused('CONFLICT', 'This order was rejected (out of stock): there is nothing to cancel.');
  }
}

export const REFUND_REASON_MAX = 500;

/** Staff ask for a refund of a paid order; the order stays CONFIRMED until the money is back. */
export function requestRefund(order: SagaOrder, reason: string, requestedBy: string): Decision {
  const why = reason.trim();
  if (why.length === 0 || why.length > REFUND_REASON_MAX) {
    throw new RequestRefused('BAD_USER_INPUT', `A refund's reason is 1 to ${REFUND_REASON_MAX} characters.`);
  }
  if (order.status === 'REFUNDED') throw new RequestRefused('CONFLICT', 'This order is refunded already.');
  if (order.status !== 'CONFIRMED') {
    throw new RequestRefused(
      'CONFLICT',
      `Only a paid (CONFIRMED) order can be refunded; this one is ${order.status}, so nothing was charged to give back.`,
    );
  }
  if (order.refundPending) {
    throw new RequestRefused('CONFLICT', 'A refund of this order is pending already: wait for its outcome.');
  }
  return {
    kind: 'move',
    to: 'CONFIRMED',
    refundPending: true,
    refundReason: why,
    entry: { step: 'REFUND_REQUESTED', detail: `Refund requested by staff member ${requestedBy}: ${why}` },
  };
}

/** The provider gave the money back: a refund staff asked for makes the order REFUNDED. */
export function onPaymentRefunded(order: SagaOrder, amount: string): Decision {
  if (order.status === 'CONFIRMED' && order.refundPending) {
    return {
      kind: 'move',
      to: 'REFUNDED',
      refundPending: false,
      entry: { step: 'REFUNDED', detail: `${amount} refunded; the goods go back to stock.` },
    };
  }
  if (order.status === 'CANCELLED') return note(`${amount} captured after the cancellation was refunded.`);
  return nothing(`payment refunded for an order ${order.status} with no refund pending`);
}

/** The provider refused the refund for good: the order stays CONFIRMED and staff may try again. */
export function onRefundFailed(order: SagaOrder, reason: string): Decision {
  if (order.status === 'CONFIRMED' && order.refundPending) {
    return {
      kind: 'move',
      to: 'CONFIRMED',
      refundPending: false,
      entry: { step: 'REFUND_FAILED', detail: `The refund failed: ${reason}. Staff may request it again.` },
    };
  }
  if (order.status === 'CANCELLED') {
    return note(`Refunding a payment captured after the cancellation failed: ${reason}. Staff must act.`);
  }
  return nothing(`refund failed for an order ${order.status} with no refund pending`);
}

/** Cents as money, e.g. 1250 EUR → "12.50 EUR". */
export function money(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}
