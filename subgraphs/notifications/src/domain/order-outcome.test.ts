import { orderCancelled, orderConfirmed, orderRefunded, orderRejected } from '@commerce/events';
import { describe, expect, it } from 'vitest';
import { emailOf } from './message.ts';
import { cancelCauseInWords, formatMoney, orderOutcomeMessage, orderReference } from './order-outcome.ts';
import { welcomeMessage, welcomesSomeone } from './welcome.ts';

const orderId = '3f2a9c1e-0000-4000-8000-000000000001';
const customerId = 'a0000000-0000-4000-a000-000000000001';
const items = [
  { productId: 'b0000000-0000-4000-a000-000000000001', quantity: 2, unitPriceCents: 1200 },
  { productId: 'b0000000-0000-4000-a000-000000000002', quantity: 1, unitPriceCents: 450 },
];

describe('what a customer is told about their order', () => {
  it('an order is named by the first part of its id, as the customer sees it', () => {
    expect(orderReference(orderId)).toBe('3F2A9C1E');
  });

  it('amounts read as on a receipt, in the order’s currency', () => {
    expect(formatMoney(2850, 'EUR')).toBe('€28.50');
    expect(formatMoney(5, 'USD')).toBe('US$0.05');
    expect(formatMoney(100000, 'EUR')).toBe('€1,000.00');
  });

  it('confirmed: the amount paid and how many items', () => {
    const event = orderConfirmed.create({ orderId, customerId, items, totalCents: 2850, currency: 'EUR' });
    expect(orderOutcomeMessage(event)).toEqual({
      kind: 'ORDER_CONFIRMED',
      title: 'Order 3F2A9C1E is confirmed',
      body: 'We received your payment of €28.50 for 3 items. Your order is confirmed and on its way.',
    });
    const one = orderConfirmed.create({ orderId, customerId, items: [items[1]!], totalCents: 450, currency: 'EUR' });
    expect(orderOutcomeMessage(one).body).toContain('€4.50 for 1 item.');
  });

  it('rejected: why, and that nothing was charged', () => {
    const event = orderRejected.create({ orderId, customerId, reason: 'Enamel mug is out of stock' });
    expect(orderOutcomeMessage(event)).toEqual({
      kind: 'ORDER_REJECTED',
      title: 'Order 3F2A9C1E could not be placed',
      body: 'We could not take your order: Enamel mug is out of stock. Nothing was charged.',
    });
  });

  it.each([
    ['CUSTOMER', 'You cancelled it.'],
    ['PAYMENT_DECLINED', 'Your payment was declined.'],
    ['RESERVATION_TIMED_OUT', 'We could not set your items aside in time.'],
    ['PAYMENT_TIMED_OUT', 'Your payment did not go through in time.'],
  ] as const)('cancelled because of %s: the cause in words, never its code', (cause, words) => {
    const event = orderCancelled.create({ orderId, customerId, items, cause, reason: `internal: ${cause}` });
    const message = orderOutcomeMessage(event);
    expect(message).toEqual({
      kind: 'ORDER_CANCELLED',
      title: 'Order 3F2A9C1E is cancelled',
      body: `${words} Your order is cancelled and you will not be charged for it.`,
    });
    expect(message.body).not.toContain(cause);
    expect(cancelCauseInWords[cause]).toBe(words);
  });

  it('refunded: the amount given back and why', () => {
    const event = orderRefunded.create({
      orderId,
      customerId,
      items,
      amountCents: 2850,
      currency: 'EUR',
      reason: 'the parcel arrived damaged',
    });
    expect(orderOutcomeMessage(event)).toEqual({
      kind: 'ORDER_REFUNDED',
      title: 'Order 3F2A9C1E is refunded',
      body: 'We refunded €28.50 to you: the parcel arrived damaged. It can take a few days to show on your statement.',
    });
  });

  it('the e-mail says what the notification says, to the person by name', () => {
    const message = welcomeMessage('Ada');
    expect(emailOf(message, { name: 'Ada Lovelace' })).toEqual({
      subject: 'Welcome, Ada!',
      text: `Hello Ada Lovelace,\n\n${message.body}\n\nThe Commerce team\n`,
    });
  });

  it('a registration welcomes; a replay of a known user does not', () => {
    expect(welcomesSomeone({})).toBe(true);
    expect(welcomesSomeone({ announcedAgain: false })).toBe(true);
    expect(welcomesSomeone({ announcedAgain: true })).toBe(false);
  });
});
