import { randomUUID } from 'node:crypto';
import {
  type CommerceEvent,
  orderStepDeadline,
  paymentCaptured,
  paymentFailed,
  paymentRefunded,
  refundFailed,
  stockRejected,
  stockReserved,
} from '@commerce/events';
import {
  createLogger,
  createSqlPool,
  eventJobOptions,
  eventQueueName,
  redisConnection,
  type Sql,
  type SqlPool,
} from '@commerce/service-kit';
import { Queue } from 'bullmq';
import type { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createFixtureDatabase } from '../../../tests/messaging/support.ts';
import { productCreatedEvent, startEventDelivery } from '../../../tests/support/event-delivery.ts';
import { connectDb, type Db } from './db.ts';
import { onStockReserved } from './domain/saga.ts';
import { ordersEventHandlers } from './event-handlers.ts';
import { applyDecision, findOrder, StaleOrder } from './repository.ts';
import { cancelOrder, refundOrder } from './use-cases/change-order.ts';
import { placeOrder } from './use-cases/place-order.ts';

// The saga as orders runs it: its real consumers over a database of its own (so the running
// system's relay never publishes what these tests write), fed the answers inventory and payments
// would send. What orders decided is read back from its tables and its outbox.
const env = inject('env');
const timeouts = { reservationTimeoutMs: 30_000, paymentTimeoutMs: 120_000 };
let fixture: Awaited<ReturnType<typeof createFixtureDatabase>>;
let db: Db;
let sql: SqlPool;
let delivery: Awaited<ReturnType<typeof startEventDelivery<Sql>>>;
let product: ReturnType<typeof productCreatedEvent>['data'];
const staffId = randomUUID();

beforeAll(async () => {
  fixture = await createFixtureDatabase('orders');
  db = connectDb(fixture.url);
  sql = createSqlPool(fixture.url);
  delivery = await startEventDelivery({
    unit: 'orders',
    store: sql,
    handlers: ordersEventHandlers({ timeouts, logger: createLogger('orders-saga-test', 'silent') }),
    redisUrl: env.REDIS_URL!,
  });
  const created = productCreatedEvent();
  product = created.data;
  expect(await delivery.deliver(created)).toBe('completed');
});
afterAll(async () => {
  await delivery?.stop();
  await db?.$disconnect();
  await sql?.close();
  await fixture?.drop();
});

const place = (customerId = randomUUID(), quantity = 2, idempotencyKey = randomUUID()) =>
  placeOrder(sql, timeouts, customerId, { items: [{ productId: product.productId, quantity }], idempotencyKey });
const outboxOf = async (orderId: string) =>
  (await db.outboxEvent.findMany({ where: { aggregateId: orderId }, orderBy: { position: 'asc' } })).map(
    (row) => row.envelope as unknown as CommerceEvent,
  );
const typesOf = async (orderId: string) => (await outboxOf(orderId)).map((event) => event.type);
const stepsOf = async (orderId: string) =>
  (await db.orderTimelineEntry.findMany({ where: { orderId }, orderBy: [{ at: 'asc' }, { id: 'asc' }] })).map(
    (entry) => entry.step,
  );
const statusOf = async (orderId: string) => (await findOrder(sql, orderId))!.status;
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return { code: (error as GraphQLError).extensions?.code, message: (error as Error).message };
  }
  return null;
};

const reserved = (orderId: string) =>
  stockReserved.create({ orderId, items: [{ productId: product.productId, quantity: 2 }] });
const captured = (orderId: string, amountCents = 2400) =>
  paymentCaptured.create({ orderId, paymentId: randomUUID(), amountCents, currency: 'EUR', providerReference: 'ch_1' });
const deadline = (orderId: string, step: 'RESERVATION' | 'PAYMENT') =>
  orderStepDeadline.create({ orderId, step, dueAt: new Date().toISOString() });

async function confirmedOrder() {
  const order = await place();
  await delivery.deliver(reserved(order.id));
  await delivery.deliver(captured(order.id));
  expect(await statusOf(order.id)).toBe('CONFIRMED');
  return order;
}

describe('placing an order', () => {
  it('stores it PENDING, priced from the copy, with PLACED, orders.order.placed and the reservation deadline', async () => {
    const customerId = randomUUID();
    const before = Date.now();
    const order = await place(customerId, 3);
    expect(order).toMatchObject({ status: 'PENDING', customerId, totalCents: 3600, currency: 'EUR' });
    expect(order.items).toMatchObject([{ productId: product.productId, quantity: 3, unitPriceCents: 1200 }]);
    expect(await stepsOf(order.id)).toEqual(['PLACED']);
    const [placed, timer] = await outboxOf(order.id);
    expect(placed).toMatchObject({
      type: 'orders.order.placed',
      data: { orderId: order.id, customerId, totalCents: 3600, items: [{ quantity: 3, unitPriceCents: 1200 }] },
    });
    expect(timer).toMatchObject({
      type: 'orders.order.step-deadline',
      data: { orderId: order.id, step: 'RESERVATION' },
    });
    const due = Date.parse((timer as { data: { dueAt: string } }).data.dueAt);
    expect(due).toBeGreaterThanOrEqual(before + timeouts.reservationTimeoutMs);
    expect(due).toBeLessThanOrEqual(Date.now() + timeouts.reservationTimeoutMs);
  });

  it('five identical requests at the same moment: one order, one placed event, the same order for all five', async () => {
    const customerId = randomUUID();
    const key = randomUUID();
    const orders = await Promise.all(Array.from({ length: 5 }, () => place(customerId, 2, key)));
    expect(new Set(orders.map((order) => order.id)).size).toBe(1);
    expect(await db.order.count({ where: { customerId } })).toBe(1);
    expect(await typesOf(orders[0]!.id)).toEqual(['orders.order.placed', 'orders.order.step-deadline']);
  });

  it('the same key with other items is CONFLICT; another customer may use the same key', async () => {
    const customerId = randomUUID();
    const key = randomUUID();
    await place(customerId, 2, key);
    expect(await codeOf(place(customerId, 3, key))).toMatchObject({ code: 'CONFLICT' });
    expect((await place(randomUUID(), 3, key)).status).toBe('PENDING');
  });
});

describe('the saga, one answer at a time', () => {
  it('stock reserved: AWAITING_PAYMENT, payment requested with the payment deadline; a redelivery changes nothing', async () => {
    const order = await place();
    const event = reserved(order.id);
    await delivery.deliver(event);
    await delivery.deliver(event);
    await delivery.deliver(reserved(order.id)); // a second answer with its own id
    expect(await statusOf(order.id)).toBe('AWAITING_PAYMENT');
    expect(await stepsOf(order.id)).toEqual(['PLACED', 'STOCK_RESERVED']);
    const events = await outboxOf(order.id);
    expect(events.map((e) => e.type)).toEqual([
      'orders.order.placed',
      'orders.order.step-deadline',
      'orders.order.payment-requested',
      'orders.order.step-deadline',
    ]);
    expect(events[2]).toMatchObject({ data: { amountCents: 2400, currency: 'EUR', customerId: order.customerId } });
    expect(events[3]).toMatchObject({ data: { step: 'PAYMENT' } });
  });

  it('stock rejected: REJECTED, the timeline naming the product that is short, orders.order.rejected', async () => {
    const order = await place();
    await delivery.deliver(
      stockRejected.create({
        orderId: order.id,
        reason: 'not enough stock',
        shortages: [{ productId: product.productId, requested: 2, available: 1 }],
      }),
    );
    expect(await statusOf(order.id)).toBe('REJECTED');
    const entries = await db.orderTimelineEntry.findMany({ where: { orderId: order.id, step: 'OUT_OF_STOCK' } });
    expect(entries.map((entry) => entry.detail)).toEqual(['Not enough stock of Enamel mug (2 ordered, 1 available).']);
    expect((await outboxOf(order.id)).at(-1)).toMatchObject({
      type: 'orders.order.rejected',
      data: { reason: entries[0]!.detail },
    });
  });

  it('payment captured twice: CONFIRMED once, one orders.order.confirmed', async () => {
    const order = await place();
    await delivery.deliver(reserved(order.id));
    const event = captured(order.id);
    await delivery.deliver(event);
    await delivery.deliver(event);
    await delivery.deliver(captured(order.id));
    expect(await statusOf(order.id)).toBe('CONFIRMED');
    expect(await stepsOf(order.id)).toEqual(['PLACED', 'STOCK_RESERVED', 'PAYMENT_CAPTURED']);
    const confirmed = (await outboxOf(order.id)).filter((e) => e.type === 'orders.order.confirmed');
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]).toMatchObject({ data: { totalCents: 2400, items: [{ quantity: 2, unitPriceCents: 1200 }] } });
  });

  it('a deadline after the confirmation changes nothing', async () => {
    const order = await confirmedOrder();
    const before = await typesOf(order.id);
    expect(await delivery.deliver(deadline(order.id, 'PAYMENT'))).toBe('completed');
    expect(await delivery.deliver(deadline(order.id, 'RESERVATION'))).toBe('completed');
    expect(await statusOf(order.id)).toBe('CONFIRMED');
    expect(await typesOf(order.id)).toEqual(before);
  });

  it('a step that ends withdraws its timer: the deadlines waiting in BullMQ are gone once the stock is reserved and the payment captured', async () => {
    const queue = new Queue(eventQueueName('orders'), {
      connection: redisConnection(env.REDIS_URL!),
      prefix: delivery.prefix,
    });
    try {
      // Each timer as the relay hands it to BullMQ: a delayed job whose id is the event's.
      const schedule = async (orderId: string, step: 'RESERVATION' | 'PAYMENT') => {
        const timer = (await outboxOf(orderId)).find(
          (event) => event.type === 'orders.order.step-deadline' && (event.data as { step: string }).step === step,
        )!;
        await queue.add(timer.type, timer, { ...eventJobOptions(timer.id), delay: 60_000 });
        expect(await queue.getJobState(timer.id)).toBe('delayed');
        return timer.id;
      };
      const order = await place();
      const reservation = await schedule(order.id, 'RESERVATION');
      await delivery.deliver(reserved(order.id));
      expect(await queue.getJob(reservation)).toBeUndefined();
      const payment = await schedule(order.id, 'PAYMENT');
      await delivery.deliver(captured(order.id));
      expect(await queue.getJob(payment)).toBeUndefined();
      expect(await statusOf(order.id)).toBe('CONFIRMED');
    } finally {
      await queue.close();
    }
  });

  it('payment failed: CANCELLED (PAYMENT_DECLINED) and orders.order.cancelled with the lines, for inventory to release', async () => {
    const order = await place();
    await delivery.deliver(reserved(order.id));
    await delivery.deliver(
      paymentFailed.create({ orderId: order.id, paymentId: randomUUID(), declined: true, reason: 'card declined' }),
    );
    expect(await statusOf(order.id)).toBe('CANCELLED');
    expect(await stepsOf(order.id)).toEqual(['PLACED', 'STOCK_RESERVED', 'PAYMENT_FAILED']);
    expect((await outboxOf(order.id)).at(-1)).toMatchObject({
      type: 'orders.order.cancelled',
      data: { cause: 'PAYMENT_DECLINED', items: [{ productId: product.productId, quantity: 2 }] },
    });
  });

  it('a reservation deadline on a PENDING order cancels it (RESERVATION_TIMED_OUT); a late reservation then only leaves a note', async () => {
    const order = await place();
    await delivery.deliver(deadline(order.id, 'RESERVATION'));
    expect(await statusOf(order.id)).toBe('CANCELLED');
    expect((await outboxOf(order.id)).at(-1)).toMatchObject({
      type: 'orders.order.cancelled',
      data: { cause: 'RESERVATION_TIMED_OUT' },
    });
    await delivery.deliver(reserved(order.id));
    expect(await statusOf(order.id)).toBe('CANCELLED');
    expect(await stepsOf(order.id)).toEqual(['PLACED', 'RESERVATION_TIMED_OUT', 'NOTE']);
    expect((await typesOf(order.id)).filter((type) => type === 'orders.order.payment-requested')).toEqual([]);
  });

  it('a payment deadline cancels an order still awaiting payment (PAYMENT_TIMED_OUT), not a pending one', async () => {
    const pending = await place();
    await delivery.deliver(deadline(pending.id, 'PAYMENT'));
    expect(await statusOf(pending.id)).toBe('PENDING');

    const order = await place();
    await delivery.deliver(reserved(order.id));
    await delivery.deliver(deadline(order.id, 'PAYMENT'));
    expect(await statusOf(order.id)).toBe('CANCELLED');
    expect((await outboxOf(order.id)).at(-1)).toMatchObject({ data: { cause: 'PAYMENT_TIMED_OUT' } });
  });

  it('an answer about an order orders never stored is dead-lettered', async () => {
    expect(await delivery.deliver(reserved(randomUUID()))).toBe('failed');
  });
});

describe('the customer cancels', () => {
  it('an unpaid order: CANCELLED (CUSTOMER) with one event; again returns it unchanged', async () => {
    const order = await place();
    await delivery.deliver(reserved(order.id));
    expect((await cancelOrder(sql, order.customerId, order.id)).status).toBe('CANCELLED');
    expect((await cancelOrder(sql, order.customerId, order.id)).status).toBe('CANCELLED');
    const cancelled = (await outboxOf(order.id)).filter((e) => e.type === 'orders.order.cancelled');
    expect(cancelled).toMatchObject([{ data: { cause: 'CUSTOMER', items: [{ quantity: 2 }] } }]);
  });

  it("someone else's order is NOT_FOUND, a paid one CONFLICT (ask staff for a refund)", async () => {
    const order = await confirmedOrder();
    expect(await codeOf(cancelOrder(sql, randomUUID(), order.id))).toEqual({
      code: 'NOT_FOUND',
      message: `No order has id ${order.id}.`,
    });
    expect(await codeOf(cancelOrder(sql, order.customerId, order.id))).toEqual({
      code: 'CONFLICT',
      message: 'This order is paid already: ask staff for a refund.',
    });
  });

  it('a payment captured after the cancel leaves the order CANCELLED with a note (payments refunds)', async () => {
    const order = await place();
    await delivery.deliver(reserved(order.id));
    await cancelOrder(sql, order.customerId, order.id);
    await delivery.deliver(captured(order.id));
    expect(await statusOf(order.id)).toBe('CANCELLED');
    expect(await typesOf(order.id)).not.toContain('orders.order.confirmed');
    const note = await db.orderTimelineEntry.findFirst({ where: { orderId: order.id, step: 'NOTE' } });
    expect(note?.detail).toMatch(/captured after the order was cancelled; payments refunds it/);
  });

  it('cancels racing reservations: whichever wins, each order ends CANCELLED with exactly one cancellation', async () => {
    const orders = await Promise.all(Array.from({ length: 8 }, () => place()));
    await Promise.all(
      orders.flatMap((order) => [delivery.deliver(reserved(order.id)), cancelOrder(sql, order.customerId, order.id)]),
    );
    for (const order of orders) {
      const after = (await findOrder(sql, order.id))!;
      expect(after.status).toBe('CANCELLED');
      const types = await typesOf(order.id);
      expect(types.filter((type) => type === 'orders.order.cancelled')).toHaveLength(1);
      // A reservation that won first asked for the payment, once; one that lost asked for nothing.
      const steps = await stepsOf(order.id);
      const requested = types.filter((type) => type === 'orders.order.payment-requested').length;
      expect(requested).toBe(steps.includes('STOCK_RESERVED') ? 1 : 0);
      expect(after.version).toBe(requested + 1);
    }
  });

  it('a write from a stale read of the order is refused (optimistic concurrency): nothing of it is kept', async () => {
    const order = await place();
    const stale = (await findOrder(sql, order.id))!;
    await cancelOrder(sql, order.customerId, order.id);
    await expect(sql.transaction((tx) => applyDecision(tx, stale, onStockReserved(stale)))).rejects.toBeInstanceOf(
      StaleOrder,
    );
    expect(await statusOf(order.id)).toBe('CANCELLED');
    expect(await stepsOf(order.id)).toEqual(['PLACED', 'CANCELLED']);
  });
});

describe('refunds', () => {
  it('staff ask for one: REFUND_REQUESTED with reason and who, one event; a second request is CONFLICT while it is pending', async () => {
    const order = await confirmedOrder();
    const asked = await refundOrder(sql, staffId, order.id, 'Arrived broken');
    expect(asked).toMatchObject({ status: 'CONFIRMED', refundPending: true });
    const entry = await db.orderTimelineEntry.findFirst({ where: { orderId: order.id, step: 'REFUND_REQUESTED' } });
    expect(entry?.detail).toBe(`Refund requested by staff member ${staffId}: Arrived broken`);
    expect((await outboxOf(order.id)).at(-1)).toMatchObject({
      type: 'orders.order.refund-requested',
      data: { amountCents: 2400, currency: 'EUR', reason: 'Arrived broken', requestedBy: staffId },
    });
    expect(await codeOf(refundOrder(sql, staffId, order.id, 'again'))).toMatchObject({ code: 'CONFLICT' });
  });

  it('the money back: REFUNDED and orders.order.refunded with the lines (stock back) and the reason; again, nothing', async () => {
    const order = await confirmedOrder();
    await refundOrder(sql, staffId, order.id, 'Changed mind');
    const event = paymentRefunded.create({
      orderId: order.id,
      paymentId: randomUUID(),
      refundId: randomUUID(),
      amountCents: 2400,
    });
    await delivery.deliver(event);
    await delivery.deliver(paymentRefunded.create({ ...event.data }));
    expect(await statusOf(order.id)).toBe('REFUNDED');
    const refunded = (await outboxOf(order.id)).filter((e) => e.type === 'orders.order.refunded');
    expect(refunded).toMatchObject([
      { data: { amountCents: 2400, reason: 'Changed mind', items: [{ productId: product.productId, quantity: 2 }] } },
    ]);
    expect(await codeOf(refundOrder(sql, staffId, order.id, 'again'))).toMatchObject({ code: 'CONFLICT' });
  });

  it("a refund the provider refused: REFUND_FAILED, still CONFIRMED, told to the order's live subscribers, and staff may ask again", async () => {
    const order = await confirmedOrder();
    await refundOrder(sql, staffId, order.id, 'Late delivery');
    await delivery.deliver(
      refundFailed.create({
        orderId: order.id,
        paymentId: randomUUID(),
        refundId: randomUUID(),
        reason: 'card closed',
      }),
    );
    expect(await findOrder(sql, order.id)).toMatchObject({ status: 'CONFIRMED', refundPending: false });
    expect(await stepsOf(order.id)).toContain('REFUND_FAILED');
    const failed = (await outboxOf(order.id)).filter((e) => e.type === 'orders.order.refund-failed');
    expect(failed).toMatchObject([{ data: { orderId: order.id, reason: 'card closed' } }]);
    expect((await refundOrder(sql, staffId, order.id, 'Late delivery, again')).refundPending).toBe(true);
  });

  it('an unpaid order cannot be refunded; an empty reason is BAD_USER_INPUT; an unknown id NOT_FOUND', async () => {
    const order = await place();
    expect(await codeOf(refundOrder(sql, staffId, order.id, 'why'))).toMatchObject({ code: 'CONFLICT' });
    const confirmed = await confirmedOrder();
    expect(await codeOf(refundOrder(sql, staffId, confirmed.id, '  '))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await codeOf(refundOrder(sql, staffId, randomUUID(), 'why'))).toMatchObject({ code: 'NOT_FOUND' });
  });
});
