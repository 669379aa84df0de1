import { randomUUID } from 'node:crypto';
import { createLogger, createSqlPool, type Sql, type SqlPool } from '@commerce/service-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { productCreatedEvent, startEventDelivery } from '../../../tests/support/event-delivery.ts';
import { connectDb, type Db } from './db.ts';
import { inventoryEventHandlers } from './event-handlers.ts';
import { restock } from './use-cases/restock.ts';

// Inventory opens a stock row for every product catalog announces, through its real consumers.
const env = inject('env');
let db: Db;
let sql: SqlPool;
let delivery: Awaited<ReturnType<typeof startEventDelivery<Sql>>>;
const staffId = randomUUID();

beforeAll(async () => {
  db = connectDb(env.INVENTORY_DATABASE_URL!);
  sql = createSqlPool(env.INVENTORY_DATABASE_URL!);
  delivery = await startEventDelivery({
    unit: 'inventory',
    store: sql,
    handlers: inventoryEventHandlers(createLogger('inventory-test', 'silent')),
    redisUrl: env.REDIS_URL!,
  });
});
afterAll(async () => {
  await delivery?.stop();
  await db?.$disconnect();
  await sql?.close();
});

const created = productCreatedEvent;

describe('stock rows from catalog events', () => {
  it('a created product gets a stock row with nothing on hand', async () => {
    const event = created();
    expect(await delivery.deliver(event)).toBe('completed');
    expect(await db.stockItem.findUnique({ where: { productId: event.data.productId } })).toMatchObject({
      onHand: 0,
      reserved: 0,
      version: 0,
    });
  });

  it('the creation heard again (a redelivery, a replay) after a restock leaves the stock as it is', async () => {
    const event = created();
    await delivery.deliver(event);
    await restock(db, event.data.productId, 7, staffId);
    await delivery.deliver(event);
    await delivery.deliver(created(event.data.productId));
    expect(await db.stockItem.findUnique({ where: { productId: event.data.productId } })).toMatchObject({
      onHand: 7,
      version: 1,
    });
  });

  it('every restock is announced as stock changed, with the row version, in the same transaction', async () => {
    const event = created();
    await delivery.deliver(event);
    await restock(db, event.data.productId, 5, staffId);
    await restock(db, event.data.productId, 2, staffId);
    const rows = await db.outboxEvent.findMany({
      where: { aggregateId: event.data.productId },
      orderBy: { position: 'asc' },
    });
    expect(
      rows.map((row) => [row.type, (row.envelope as { data: { onHand: number; available: number } }).data]),
    ).toEqual([
      [
        'inventory.stock.changed',
        { productId: event.data.productId, onHand: 5, available: 5, reserved: 0, version: 1, availableBefore: 0 },
      ],
      [
        'inventory.stock.changed',
        { productId: event.data.productId, onHand: 7, available: 7, reserved: 0, version: 2, availableBefore: 5 },
      ],
    ]);
  });
});
