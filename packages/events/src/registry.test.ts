import { describe, expect, it } from 'vitest';
import {
  consumingUnits,
  eventSubscribers,
  orderStepDeadline,
  parseEvent,
  productCreated,
  productPriceChanged,
  typesConsumedBy,
  userRegistered,
} from './index.ts';

const product = {
  productId: '7d3c5c1e-5d0a-4a8e-9d5e-2f1b6c3a9e01',
  sku: 'MUG-01',
  name: 'Mug',
  priceCents: 1200,
  currency: 'EUR',
  onSale: true,
  version: 1,
};

describe('event contracts', () => {
  it('an event built by its definition parses back to the same typed event', () => {
    const event = productCreated.create(product);
    expect(event).toMatchObject({
      type: 'catalog.product.created',
      source: 'catalog',
      aggregateId: product.productId,
      schemaVersion: 1,
    });
    const parsed = parseEvent(JSON.parse(JSON.stringify(event)));
    expect(parsed).toEqual({ ok: true, event });
  });

  it('creating an event with bad data throws before anything is written', () => {
    expect(() => productCreated.create({ ...product, priceCents: -1 })).toThrow();
    expect(() => userRegistered.create({ userId: product.productId, email: 'not-an-email', name: 'Ada' })).toThrow();
  });

  it.each([
    ['a string', 'hello', 'not an event envelope'],
    ['an envelope without id', { ...productCreated.create(product), id: undefined }, 'id'],
    ['an unknown type', { ...productCreated.create(product), type: 'catalog.product.exploded' }, 'unknown event type'],
    ['an unknown schema version', { ...productCreated.create(product), schemaVersion: 2 }, 'unknown schema version 2'],
    [
      'data of the wrong shape',
      { ...productCreated.create(product), data: { ...product, currency: 'euro' } },
      'data.currency',
    ],
    ['a source other than the owner', { ...productCreated.create(product), source: 'orders' }, 'source'],
    [
      'a date without time zone',
      { ...productCreated.create(product), occurredAt: '2026-01-01T00:00:00' },
      'occurredAt',
    ],
  ])('%s is refused with a reason', (_, input, reason) => {
    const parsed = parseEvent(input);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });

  it('the price-changed event carries the old and new price', () => {
    const event = productPriceChanged.create({
      productId: product.productId,
      sku: 'MUG-01',
      name: 'Mug',
      priceCents: 900,
      previousPriceCents: 1200,
      currency: 'EUR',
      onSale: true,
      version: 2,
    });
    expect(parseEvent(event)).toMatchObject({
      ok: true,
      event: { data: { priceCents: 900, previousPriceCents: 1200 } },
    });
  });

  it('routing: copies and the storefront read model hear product events, the saga goes orders → inventory → payments → orders, notifications hears outcomes', () => {
    expect(typesConsumedBy('orders')).toEqual([
      'catalog.product.created',
      'catalog.product.price-changed',
      'catalog.product.archived',
      'orders.order.step-deadline',
      'inventory.reservation.reserved',
      'inventory.reservation.rejected',
      'payments.payment.captured',
      'payments.payment.failed',
      'payments.payment.refunded',
      'payments.refund.failed',
    ]);
    expect(typesConsumedBy('inventory')).toEqual([
      'catalog.product.created',
      'orders.order.placed',
      'orders.order.confirmed',
      'orders.order.cancelled',
      'orders.order.refunded',
    ]);
    expect(typesConsumedBy('payments')).toEqual([
      'orders.order.payment-requested',
      'orders.order.cancelled',
      'orders.order.refund-requested',
    ]);
    expect(typesConsumedBy('notifications')).toEqual([
      'accounts.user.registered',
      'orders.order.confirmed',
      'orders.order.rejected',
      'orders.order.cancelled',
      'orders.order.refunded',
      'notifications.email.requested',
    ]);
    // The storefront's read model: catalog hears its own product events and inventory's levels.
    expect(typesConsumedBy('catalog')).toEqual([
      'catalog.product.created',
      'catalog.product.price-changed',
      'catalog.product.archived',
      'inventory.stock.changed',
    ]);
    expect(eventSubscribers['inventory.stock.changed']).toEqual(['catalog']);
  });

  it('a step deadline is delivered when due; ordinary events at once', () => {
    const dueAt = '2026-12-01T12:00:30.000Z';
    const deadline = orderStepDeadline.create({ orderId: product.productId, step: 'PAYMENT', dueAt });
    expect(orderStepDeadline.deliverAt?.(deadline.data)).toEqual(new Date(dueAt));
    expect(productCreated.deliverAt).toBeUndefined();
  });

  it('the units with queues are exactly those the routing sends something to', () => {
    expect(consumingUnits()).toEqual(['catalog', 'inventory', 'orders', 'payments', 'notifications']);
    expect(consumingUnits({ 'accounts.user.registered': ['payments'] })).toEqual(['payments']);
  });
});
