import { randomUUID } from 'node:crypto';
import { orderCancelled, orderConfirmed, orderPlaced, orderRefunded } from '@commerce/events';
import type { Sql, SqlPool } from '@commerce/service-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ORDERS } from '../../../prisma/seed/fixtures.ts';
import { startEventDelivery } from '../../../tests/support/event-delivery.ts';
import { inventoryUnit } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb, type Db } from './db.ts';
import { planReservation, StepArrivedEarly } from './domain/reservation.ts';
import { applyReservation, readStockLevels } from './repository.ts';
import { commitReservation } from './use-cases/commit-reservation.ts';
import { returnStock } from './use-cases/return-stock.ts';

// Inventory's side of the order saga, through its real consumers (the unit's own handlers and
// queue concurrency) over the real test database: events are delivered as the relay would.
const env = inject('env');
let db: Db;
let sql: SqlPool;
let delivery: Awaited<ReturnType<typeof startEventDelivery<Sql>>>;
/** The most saga handlers that ran at the same moment: the race test must have raced. */
let inFlight = 0;
let mostInFlight = 0;

beforeAll(async () => {
  db = connectDb(env.INVENTORY_DATABASE_URL!);
  const unit = inventoryUnit(readConfig({ ...env, INVENTORY_PORT: '0', LOG_LEVEL: 'silent' }), db);
  if (!unit.sql) throw new Error('inventory applies saga events on its SQL pool');
  sql = unit.sql;
  const consumers = unit.consumers!;
  const reserve = consumers.handlers['orders.order.placed'];
  if (!reserve || typeof reserve === 'function' || !('apply' in reserve)) {
    throw new Error('inventory reserves stock in the recording transaction, from the reservation read with BEGIN');
  }
  delivery = await startEventDelivery({
    unit: 'inventory',
    store: sql,
    handlers: {
      ...consumers.handlers,
      'orders.order.placed': {
        reads: reserve.reads,
        apply: async (event, tx, rows, context) => {
          mostInFlight = Math.max(mostInFlight, ++inFlight);
          try {
            await reserve.apply(event, tx, rows, context);
          } finally {
            inFlight--;
          }
        },
      },
    },
    redisUrl: env.REDIS_URL!,
    concurrency: consumers.concurrency,
    // As many as the unit's own queue: a reservation losing its race retries rather than dead-letters.
    attempts: 8,
  });
});
afterAll(async () => {
  await delivery?.stop();
  await db?.$disconnect();
  await sql?.close();
});

const customerId = randomUUID();

async function productWithStock(onHand: number): Promise<string> {
  const productId = randomUUID();
  await db.stockItem.create({ data: { productId, onHand, version: 1 } });
  return productId;
}

/** The four saga events of one order, as orders emits them. */
function order(items: Array<{ productId: string; quantity: number }>) {
  const orderId = randomUUID();
  const lines = items.map((item) => ({ ...item, unitPriceCents: 500 }));
  const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  return {
    orderId,
    placed: () => orderPlaced.create({ orderId, customerId, items: lines, totalCents, currency: 'EUR' }),
    confirmed: () => orderConfirmed.create({ orderId, customerId, items: lines, totalCents, currency: 'EUR' }),
    cancelled: () =>
      orderCancelled.create({ orderId, customerId, items: lines, cause: 'CUSTOMER', reason: 'Changed my mind.' }),
    refunded: () =>
      orderRefunded.create({
        orderId,
        customerId,
        items: lines,
        amountCents: totalCents,
        currency: 'EUR',
        reason: 'Arrived broken.',
      }),
  };
}

async function levels(productId: string) {
  const { onHand, reserved } = await db.stockItem.findUniqueOrThrow({ where: { productId } });
  return { onHand, reserved, available: onHand - reserved };
}

const statusOf = async (orderId: string) => (await db.reservation.findUnique({ where: { orderId } }))?.status;

/** What inventory told orders about an order: the types of its outbox rows, oldest first. */
async function answers(orderId: string) {
  const rows = await db.outboxEvent.findMany({ where: { aggregateId: orderId }, orderBy: { position: 'asc' } });
  return rows.map((row) => row.envelope as { type: string; data: Record<string, unknown> });
}

async function stockChanges(productId: string) {
  const rows = await db.outboxEvent.findMany({ where: { aggregateId: productId }, orderBy: { position: 'asc' } });
  return rows.map(
    (row) =>
      (row.envelope as { data: { onHand: number; reserved: number; available: number; availableBefore?: number } })
        .data,
  );
}

describe('reserving stock for a placed order', () => {
  it('fifty orders racing for ten in stock: exactly ten reserved, forty rejected, never oversold', async () => {
    const productId = await productWithStock(10);
    const orders = Array.from({ length: 50 }, () => order([{ productId, quantity: 1 }]));
    mostInFlight = 0;

    const outcomes = await Promise.all(orders.map((o) => delivery.deliver(o.placed())));

    expect(outcomes.every((outcome) => outcome === 'completed')).toBe(true);
    expect(mostInFlight).toBeGreaterThan(1);
    const statuses = await Promise.all(orders.map((o) => statusOf(o.orderId)));
    expect(statuses.filter((status) => status === 'RESERVED')).toHaveLength(10);
    expect(statuses.filter((status) => status === 'REJECTED')).toHaveLength(40);
    expect(await levels(productId)).toEqual({ onHand: 10, reserved: 10, available: 0 });
    // Each reservation saw the one before it: none overwrote another (no lost update), none went negative.
    const changes = await stockChanges(productId);
    expect(changes.map((change) => change.reserved).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(changes.every((change) => change.available >= 0)).toBe(true);
    const told = (await Promise.all(orders.map((o) => answers(o.orderId)))).map((events) => events.map((e) => e.type));
    expect(told.filter((types) => types.join() === 'inventory.reservation.reserved')).toHaveLength(10);
    expect(told.filter((types) => types.join() === 'inventory.reservation.rejected')).toHaveLength(40);
  });

  it('an order of two lines whose second is short reserves nothing, and says which and why', async () => {
    const plenty = await productWithStock(5);
    const scarce = await productWithStock(3);
    const o = order([
      { productId: plenty, quantity: 2 },
      { productId: scarce, quantity: 5 },
    ]);

    expect(await delivery.deliver(o.placed())).toBe('completed');

    expect(await statusOf(o.orderId)).toBe('REJECTED');
    expect(await levels(plenty)).toEqual({ onHand: 5, reserved: 0, available: 5 });
    expect(await levels(scarce)).toEqual({ onHand: 3, reserved: 0, available: 3 });
    expect(await db.stockItem.findUniqueOrThrow({ where: { productId: plenty } })).toMatchObject({ version: 1 });
    expect(await answers(o.orderId)).toEqual([
      expect.objectContaining({
        type: 'inventory.reservation.rejected',
        data: {
          orderId: o.orderId,
          shortages: [{ productId: scarce, requested: 5, available: 3 }],
          reason: `Only 3 of product ${scarce} left; 5 were asked for. Nothing was reserved.`,
        },
      }),
    ]);
    expect(await stockChanges(plenty)).toEqual([]);
  });

  it('every line reserved: reserved rises by each line, with one stock change per product', async () => {
    const first = await productWithStock(5);
    const second = await productWithStock(2);
    const o = order([
      { productId: first, quantity: 4 },
      { productId: second, quantity: 2 },
    ]);

    await delivery.deliver(o.placed());

    expect(await statusOf(o.orderId)).toBe('RESERVED');
    expect(await levels(first)).toEqual({ onHand: 5, reserved: 4, available: 1 });
    expect(await levels(second)).toEqual({ onHand: 2, reserved: 2, available: 0 });
    expect((await answers(o.orderId)).map((event) => event.data)).toEqual([
      {
        orderId: o.orderId,
        items: [
          { productId: first, quantity: 4 },
          { productId: second, quantity: 2 },
        ],
      },
    ]);
    // Each at the row's version after the reservation (created at 1), so copies keep the newest.
    expect(await stockChanges(first)).toEqual([
      { productId: first, onHand: 5, reserved: 4, available: 1, version: 2, availableBefore: 5 },
    ]);
    expect(await stockChanges(second)).toEqual([
      { productId: second, onHand: 2, reserved: 2, available: 0, version: 2, availableBefore: 2 },
    ]);
  });

  it('a product inventory holds no stock row for is short, with nothing available', async () => {
    const unknown = randomUUID();
    const o = order([{ productId: unknown, quantity: 1 }]);
    await delivery.deliver(o.placed());
    expect(await statusOf(o.orderId)).toBe('REJECTED');
    expect((await answers(o.orderId))[0]?.data).toMatchObject({
      shortages: [{ productId: unknown, requested: 1, available: 0 }],
    });
    expect(await db.stockItem.count({ where: { productId: unknown } })).toBe(0);
  });

  it('a stock row changed between the read and the write is not written: the reservation re-reads', async () => {
    const first = await productWithStock(5);
    const second = await productWithStock(5);
    const lines = [
      { productId: first, quantity: 1 },
      { productId: second, quantity: 1 },
    ];
    const orderId = randomUUID();
    const outcome = await sql.transaction(async (tx) => {
      const stale = planReservation(lines, await readStockLevels(tx, [first, second]));
      if (stale.outcome !== 'reserve') throw new Error('expected a plan to reserve');
      // Another order takes one of the second product, and commits, after this read.
      await db.stockItem.update({ where: { productId: second }, data: { reserved: 1, version: { increment: 1 } } });
      const lost = await applyReservation(tx, orderId, stale.lines, lines);
      // The first row, written before the second was found changed, is undone with it.
      const afterConflict = await readStockLevels(tx, [first, second]);
      const fresh = planReservation(lines, afterConflict);
      if (fresh.outcome !== 'reserve') throw new Error('expected a plan to reserve');
      return { lost, afterConflict, won: await applyReservation(tx, orderId, fresh.lines, lines) };
    });
    expect(outcome.lost).toBe('conflict');
    expect(outcome.afterConflict.get(first)).toMatchObject({ reserved: 0, version: 1 });
    expect(outcome.afterConflict.get(second)).toMatchObject({ reserved: 1, version: 2 });
    expect(outcome.won).toBe('reserved');
    expect(await levels(first)).toEqual({ onHand: 5, reserved: 1, available: 4 });
    expect(await levels(second)).toEqual({ onHand: 5, reserved: 2, available: 3 });
  });

  it('one line whose row changed between the read and the write: nothing written, neither the reservation nor its events', async () => {
    const productId = await productWithStock(5);
    const lines = [{ productId, quantity: 2 }];
    const orderId = randomUUID();
    const outcome = await sql.transaction(async (tx) => {
      const stale = planReservation(lines, await readStockLevels(tx, [productId]));
      if (stale.outcome !== 'reserve') throw new Error('expected a plan to reserve');
      await db.stockItem.update({ where: { productId }, data: { reserved: 1, version: { increment: 1 } } });
      const lost = await applyReservation(tx, orderId, stale.lines, lines);
      const [reservation] = await tx.query('SELECT 1 FROM reservations WHERE order_id = $1::uuid', [orderId]);
      const announced = await tx.query(
        `SELECT 1 FROM outbox_events WHERE envelope->'data'->>'orderId' = $1 OR envelope->'data'->>'productId' = $2`,
        [orderId, productId],
      );
      const fresh = planReservation(lines, await readStockLevels(tx, [productId]));
      if (fresh.outcome !== 'reserve') throw new Error('expected a plan to reserve');
      return { lost, reservation, announced, won: await applyReservation(tx, orderId, fresh.lines, lines) };
    });
    expect(outcome.lost).toBe('conflict');
    expect(outcome.reservation).toBeUndefined();
    expect(outcome.announced).toEqual([]);
    expect(outcome.won).toBe('reserved');
    expect(await levels(productId)).toEqual({ onHand: 5, reserved: 3, available: 2 });
  });
});

describe('the rest of the saga', () => {
  it('placed, then confirmed: on hand falls by the quantity, reserved comes back, available does not move; refunded: back on hand', async () => {
    const productId = await productWithStock(10);
    const o = order([{ productId, quantity: 3 }]);

    await delivery.deliver(o.placed());
    expect(await levels(productId)).toEqual({ onHand: 10, reserved: 3, available: 7 });

    await delivery.deliver(o.confirmed());
    expect(await statusOf(o.orderId)).toBe('COMMITTED');
    expect(await levels(productId)).toEqual({ onHand: 7, reserved: 0, available: 7 });

    await delivery.deliver(o.refunded());
    expect(await statusOf(o.orderId)).toBe('RETURNED');
    expect(await levels(productId)).toEqual({ onHand: 10, reserved: 0, available: 10 });

    const adjustments = await db.stockAdjustment.findMany({ where: { productId }, orderBy: { createdAt: 'asc' } });
    expect(adjustments.map(({ reason, delta, orderId }) => ({ reason, delta, orderId }))).toEqual([
      { reason: 'SALE', delta: -3, orderId: o.orderId },
      { reason: 'RETURN', delta: 3, orderId: o.orderId },
    ]);
    // Each names what was available before it: the sale's leaves it as it was.
    expect(
      (await stockChanges(productId)).map(({ onHand, reserved, available, availableBefore }) => [
        onHand,
        reserved,
        availableBefore,
        available,
      ]),
    ).toEqual([
      [10, 3, 10, 7],
      [7, 0, 7, 7],
      [10, 0, 7, 10],
    ]);
  });

  it('cancelled after the reservation: the units are available again', async () => {
    const productId = await productWithStock(4);
    const o = order([{ productId, quantity: 4 }]);
    await delivery.deliver(o.placed());
    await delivery.deliver(o.cancelled());
    expect(await statusOf(o.orderId)).toBe('RELEASED');
    expect(await levels(productId)).toEqual({ onHand: 4, reserved: 0, available: 4 });
    expect(await stockChanges(productId)).toHaveLength(2);
  });

  it('cancelled before inventory heard it placed: a tombstone, and the late placement reserves nothing', async () => {
    const productId = await productWithStock(4);
    const o = order([{ productId, quantity: 2 }]);

    await delivery.deliver(o.cancelled());
    expect(await statusOf(o.orderId)).toBe('CANCELLED_BEFORE_RESERVATION');
    await delivery.deliver(o.placed());

    expect(await statusOf(o.orderId)).toBe('CANCELLED_BEFORE_RESERVATION');
    expect(await levels(productId)).toEqual({ onHand: 4, reserved: 0, available: 4 });
    expect(await answers(o.orderId)).toEqual([]);
    expect(await stockChanges(productId)).toEqual([]);
  });

  it('a placement and a cancel of one order applied at the same moment never leave stock held', async () => {
    const productId = await productWithStock(6);
    const orders = Array.from({ length: 6 }, () => order([{ productId, quantity: 1 }]));
    const outcomes = await Promise.all(
      orders.flatMap((o) => [o.placed(), o.cancelled()].map((e) => delivery.deliver(e))),
    );
    expect(outcomes.every((outcome) => outcome === 'completed')).toBe(true);
    for (const o of orders) expect(['RELEASED', 'CANCELLED_BEFORE_RESERVATION']).toContain(await statusOf(o.orderId));
    expect(await levels(productId)).toEqual({ onHand: 6, reserved: 0, available: 6 });
  });

  it('a confirm heard before its placement waits (retried), then commits once the placement is applied', async () => {
    const productId = await productWithStock(5);
    const o = order([{ productId, quantity: 2 }]);
    const confirmed = o.confirmed();
    await expect(sql.transaction((tx) => commitReservation(tx, confirmed.data))).rejects.toThrow(StepArrivedEarly);
    expect(await statusOf(o.orderId)).toBeUndefined();

    // Both at once through the queue: whichever runs first, the confirm ends applied after the placement.
    const outcomes = await Promise.all([delivery.deliver(confirmed), delivery.deliver(o.placed())]);
    expect(outcomes).toEqual(['completed', 'completed']);
    expect(await statusOf(o.orderId)).toBe('COMMITTED');
    expect(await levels(productId)).toEqual({ onHand: 3, reserved: 0, available: 3 });
  });

  it('a refund heard before the sale waits (retried), then returns the stock once', async () => {
    const productId = await productWithStock(5);
    const o = order([{ productId, quantity: 2 }]);
    await delivery.deliver(o.placed());
    const refunded = o.refunded();
    await expect(sql.transaction((tx) => returnStock(tx, refunded.data))).rejects.toThrow(StepArrivedEarly);

    const outcomes = await Promise.all([delivery.deliver(refunded), delivery.deliver(o.confirmed())]);
    expect(outcomes).toEqual(['completed', 'completed']);
    expect(await statusOf(o.orderId)).toBe('RETURNED');
    expect(await levels(productId)).toEqual({ onHand: 5, reserved: 0, available: 5 });
  });
});

describe('redelivered and reordered saga events', () => {
  it('every event delivered twice changes nothing the second time (the inbox)', async () => {
    const productId = await productWithStock(8);
    const o = order([{ productId, quantity: 3 }]);
    const placed = o.placed();
    const confirmed = o.confirmed();
    const refunded = o.refunded();

    for (const event of [placed, placed, confirmed, confirmed]) await delivery.deliver(event);
    expect(await levels(productId)).toEqual({ onHand: 5, reserved: 0, available: 5 });
    await delivery.deliver(refunded);
    await delivery.deliver(refunded);
    expect(await levels(productId)).toEqual({ onHand: 8, reserved: 0, available: 8 });
    expect(await stockChanges(productId)).toHaveLength(3);
    expect(await answers(o.orderId)).toHaveLength(1);
    expect(await db.stockAdjustment.count({ where: { orderId: o.orderId } })).toBe(2);

    const cancelledFirst = order([{ productId, quantity: 1 }]);
    const cancelled = cancelledFirst.cancelled();
    await delivery.deliver(cancelled);
    await delivery.deliver(cancelled);
    await delivery.deliver(cancelledFirst.placed());
    expect(await statusOf(cancelledFirst.orderId)).toBe('CANCELLED_BEFORE_RESERVATION');
    expect(await levels(productId)).toEqual({ onHand: 8, reserved: 0, available: 8 });
  });

  it('the same step sent again as a new event, or a step the order moved past, keeps the levels right', async () => {
    const productId = await productWithStock(10);

    // Released, then confirmed and cancelled again: still released, nothing sold.
    const released = order([{ productId, quantity: 2 }]);
    for (const event of [released.placed(), released.cancelled(), released.cancelled(), released.confirmed()]) {
      expect(await delivery.deliver(event)).toBe('completed');
    }
    expect(await statusOf(released.orderId)).toBe('RELEASED');
    expect(await levels(productId)).toEqual({ onHand: 10, reserved: 0, available: 10 });

    // Committed, then confirmed, placed and cancelled again: sold once, nothing released.
    const sold = order([{ productId, quantity: 3 }]);
    for (const event of [sold.placed(), sold.confirmed(), sold.confirmed(), sold.placed(), sold.cancelled()]) {
      expect(await delivery.deliver(event)).toBe('completed');
    }
    expect(await statusOf(sold.orderId)).toBe('COMMITTED');
    expect(await levels(productId)).toEqual({ onHand: 7, reserved: 0, available: 7 });

    // Refunded twice (two events): returned once; a late confirm changes nothing.
    for (const event of [sold.refunded(), sold.refunded(), sold.confirmed()]) {
      expect(await delivery.deliver(event)).toBe('completed');
    }
    expect(await statusOf(sold.orderId)).toBe('RETURNED');
    expect(await levels(productId)).toEqual({ onHand: 10, reserved: 0, available: 10 });

    // Rejected, then confirmed, cancelled and refunded: nothing moves.
    const rejected = order([{ productId, quantity: 11 }]);
    for (const event of [rejected.placed(), rejected.cancelled(), rejected.confirmed(), rejected.refunded()]) {
      expect(await delivery.deliver(event)).toBe('completed');
    }
    expect(await statusOf(rejected.orderId)).toBe('REJECTED');
    expect(await levels(productId)).toEqual({ onHand: 10, reserved: 0, available: 10 });
    expect(await db.stockAdjustment.count({ where: { productId } })).toBe(2);
  });
});

describe('the seeded shop', () => {
  it('every seeded order past its placement has its reservation, so a cancel or a refund of it moves stock', async () => {
    const rows = await db.reservation.findMany({ where: { orderId: { in: ORDERS.map((o) => o.id) } } });
    const byOrder = new Map(rows.map((row) => [row.orderId, row]));
    const expected = {
      AWAITING_PAYMENT: 'RESERVED',
      CONFIRMED: 'COMMITTED',
      REJECTED: 'REJECTED',
      CANCELLED: 'RELEASED',
    };
    for (const seeded of ORDERS) {
      const reservation = byOrder.get(seeded.id);
      if (seeded.status === 'PENDING') {
        expect(reservation).toBeUndefined();
        continue;
      }
      expect(reservation?.status).toBe(expected[seeded.status]);
      expect(reservation?.lines).toEqual(seeded.items.map(({ productId, quantity }) => ({ productId, quantity })));
    }
  });
});

describe('the last safeguard: the database refuses impossible levels', () => {
  it.each([
    ['more reserved than on hand', { onHand: 3, reserved: 4 }],
    ['negative on hand', { onHand: -1, reserved: 0 }],
    ['negative reserved', { onHand: 3, reserved: -1 }],
  ])('%s is refused', async (_what, data) => {
    const productId = await productWithStock(3);
    await expect(db.stockItem.update({ where: { productId }, data })).rejects.toThrow(/stock_items_levels_check/);
    expect(await levels(productId)).toEqual({ onHand: 3, reserved: 0, available: 3 });
  });
});
