import { productArchived, productPriceChanged } from '@commerce/events';
import { createLogger, createSqlPool, type Sql, type SqlPool } from '@commerce/service-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { productCreatedEvent, startEventDelivery } from '../../../tests/support/event-delivery.ts';
import { connectDb, type Db } from './db.ts';
import { ordersEventHandlers } from './event-handlers.ts';

// Orders' copy of catalog's products, fed by its real consumers over its test database.
const env = inject('env');
let db: Db;
let sql: SqlPool;
let delivery: Awaited<ReturnType<typeof startEventDelivery<Sql>>>;

beforeAll(async () => {
  db = connectDb(env.ORDERS_DATABASE_URL!);
  sql = createSqlPool(env.ORDERS_DATABASE_URL!);
  delivery = await startEventDelivery({
    unit: 'orders',
    store: sql,
    handlers: ordersEventHandlers({
      timeouts: { reservationTimeoutMs: 30_000, paymentTimeoutMs: 120_000 },
      logger: createLogger('orders-test', 'silent'),
    }),
    redisUrl: env.REDIS_URL!,
  });
});
afterAll(async () => {
  await delivery?.stop();
  await db?.$disconnect();
  await sql?.close();
});

const created = productCreatedEvent;
const repriced = (state: ReturnType<typeof created>['data'], priceCents: number, version: number) =>
  productPriceChanged.create({ ...state, priceCents, previousPriceCents: state.priceCents, version });
const copyOf = (productId: string) => db.catalogProduct.findUnique({ where: { productId } });

describe("orders' copy of the catalog", () => {
  it('a created product is copied with its name, price and sale status', async () => {
    const event = created();
    expect(await delivery.deliver(event)).toBe('completed');
    expect(await copyOf(event.data.productId)).toMatchObject({
      sku: event.data.sku,
      name: 'Enamel mug',
      priceCents: 1200,
      currency: 'EUR',
      onSale: true,
      version: 1,
    });
  });

  it('the same price change delivered twice is applied once: one inbox row, the copy at its version', async () => {
    const product = created();
    await delivery.deliver(product);
    const change = repriced(product.data, 900, 2);
    await delivery.deliver(change);
    await delivery.deliver(change);
    expect(await db.inboxEvent.count({ where: { eventId: change.id } })).toBe(1);
    expect(await copyOf(product.data.productId)).toMatchObject({ priceCents: 900, version: 2 });
  });

  it('an older price change arriving after a newer one changes nothing', async () => {
    const product = created();
    await delivery.deliver(product);
    await delivery.deliver(repriced(product.data, 700, 3));
    expect(await delivery.deliver(repriced(product.data, 800, 2))).toBe('completed');
    expect(await copyOf(product.data.productId)).toMatchObject({ priceCents: 700, version: 3 });
  });

  it('a replayed creation after changes does not move the copy back to the first price', async () => {
    const product = created();
    await delivery.deliver(product);
    await delivery.deliver(repriced(product.data, 1500, 2));
    await delivery.deliver(created(product.data.productId)); // a replay: a new event at version 1
    expect(await copyOf(product.data.productId)).toMatchObject({ priceCents: 1500, version: 2 });
  });

  it('a price change that overtook its creation still makes the copy, and the creation then changes nothing', async () => {
    const product = created();
    await delivery.deliver(repriced(product.data, 990, 2));
    await delivery.deliver(product);
    expect(await copyOf(product.data.productId)).toMatchObject({ name: 'Enamel mug', priceCents: 990, version: 2 });
  });

  it('archiving takes the product off sale; a late price change does not put it back', async () => {
    const product = created();
    await delivery.deliver(product);
    await delivery.deliver(productArchived.create({ ...product.data, onSale: false, version: 3 }));
    await delivery.deliver(repriced(product.data, 100, 2));
    expect(await copyOf(product.data.productId)).toMatchObject({ onSale: false, priceCents: 1200, version: 3 });
  });
});
