/** What a customer is told when their order ends one way or another. Pure: no I/O. */
import type { EventOf } from '@commerce/events';
import type { Message } from './message.ts';

export const ORDER_CONFIRMED = 'ORDER_CONFIRMED';
export const ORDER_REJECTED = 'ORDER_REJECTED';
export const ORDER_CANCELLED = 'ORDER_CANCELLED';
export const ORDER_REFUNDED = 'ORDER_REFUNDED';

export type OrderOutcomeEvent =
  | EventOf<'orders.order.confirmed'>
  | EventOf<'orders.order.rejected'>
  | EventOf<'orders.order.cancelled'>
  | EventOf<'orders.order.refunded'>;

type CancelCause = EventOf<'orders.order.cancelled'>['data']['cause'];

/** Why an order was cancelled, as a sentence the customer understands (the cause, not the code). */
export const cancelCauseInWords: Record<CancelCause, string> = {
  CUSTOMER: 'You cancelled it.',
  PAYMENT_DECLINED: 'Your payment was declined.',
  RESERVATION_TIMED_OUT: 'We could not set your items aside in time.',
  PAYMENT_TIMED_OUT: 'Your payment did not go through in time.',
};

/** An order as a customer refers to it: the first part of its id, as on their orders page. */
export function orderReference(orderId: string): string {
  return orderId.slice(0, 8).toUpperCase();
}

/** An amount in cents of an ISO currency, as a receipt writes it: €24.00, $5.50, CHF 10.00. */
export function formatMoney(cents: number, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-IE', { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  return format.format(cents / 100);
}
/** One formatter per currency: building one costs far more than formatting with it. */
const moneyFormats = new Map<string, Intl.NumberFormat>();

const itemCount = (items: ReadonlyArray<{ quantity: number }>) => {
  const count = items.reduce((sum, item) => sum + item.quantity, 0);
  return count === 1 ? '1 item' : `${count} items`;
};

/** The notification (and e-mail) for an order's outcome. */
export function orderOutcomeMessage(event: OrderOutcomeEvent): Message {
  const order = `Order ${orderReference(event.data.orderId)}`;
  switch (event.type) {
    case 'orders.order.confirmed':
      return {
        kind: ORDER_CONFIRMED,
        title: `${order} is confirmed`,
        body: `We received your payment of ${formatMoney(event.data.totalCents, event.data.currency)} for ${itemCount(event.data.items)}. Your order is confirmed and on its way.`,
      };
    case 'orders.order.rejected':
      return {
        kind: ORDER_REJECTED,
        title: `${order} could not be placed`,
        body: `We could not take your order: ${event.data.reason}. Nothing was charged.`,
      };
    case 'orders.order.cancelled':
      return {
        kind: ORDER_CANCELLED,
        title: `${order} is cancelled`,
        body: `${cancelCauseInWords[event.data.cause]} Your order is cancelled and you will not be charged for it.`,
      };
    case 'orders.order.refunded':
      return {
        kind: ORDER_REFUNDED,
        title: `${order} is refunded`,
        body: `We refunded ${formatMoney(event.data.amountCents, event.data.currency)} to you: ${event.data.reason}. It can take a few days to show on your statement.`,
      };
  }
}
