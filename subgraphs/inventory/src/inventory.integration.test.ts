import { createSqlPool, inProcessApi, type RunningUnit, runUnit, type SqlPool } from '@commerce/service-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PRODUCTS } from '../../../prisma/seed/fixtures.ts';
import { asRouter, errorCodes, graphql } from '../../../tests/support/graphql.ts';
import { inventoryUnit } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb, type Db } from './db.ts';
import { MAX_ON_HAND } from './domain/stock.ts';
import { openStockRow } from './repository.ts';

// The inventory subgraph in this process, over the real test database, called over real HTTP.
const env = inject('env');
const statements: string[] = [];
let db: Db;
let sql: SqlPool;
let subgraph: RunningUnit;
const staff = { kind: 'user' as const, userId: '00000000-0000-4000-a000-000000000001', role: 'STAFF' as const };
const customer = { kind: 'user' as const, userId: '00000000-0000-4000-a000-000000000002', role: 'CUSTOMER' as const };

beforeAll(async () => {
  db = connectDb(env.INVENTORY_DATABASE_URL!, { onQuery: (statement) => statements.push(statement) });
  sql = createSqlPool(env.INVENTORY_DATABASE_URL!);
  subgraph = await runUnit(
    inventoryUnit(readConfig({ ...env, INVENTORY_PORT: '0', LOG_LEVEL: 'silent' }), db),
    inProcessApi,
  );
});
afterAll(async () => {
  await subgraph?.close();
  await db?.$disconnect();
  await sql?.close();
});

const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { id stock { available onHand reserved } } } }`;
const RESTOCK = `mutation($productId: ID!, $quantity: Int!) { restock(productId: $productId, quantity: $quantity) { available onHand version } }`;

function newProductId(): string {
  return crypto.randomUUID();
}

/** A product catalog has announced: inventory holds its (empty) stock row, as its handler opens it. */
async function announcedProductId(): Promise<string> {
  const productId = newProductId();
  await openStockRow(sql, productId);
  return productId;
}

describe('inventory subgraph', () => {
  it('stock for 50 products costs one query to the inventory database', async () => {
    const ids = [...PRODUCTS.map((p) => p.id), ...Array.from({ length: 50 - PRODUCTS.length }, newProductId)];
    statements.length = 0;
    const response = await graphql<{ _entities: Array<{ id: string; stock: { onHand: number } }> }>(
      subgraph.url,
      ENTITIES,
      { representations: ids.map((id) => ({ __typename: 'Product', id })) },
      await asRouter(customer, env.ROUTER_SIGNING_SECRET!),
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?._entities).toHaveLength(50);
    const seeded = response.body.data!._entities.find((entity) => entity.id === PRODUCTS[0]!.id);
    expect(seeded?.stock.onHand).toBeGreaterThan(0);
    expect(statements.filter((sql) => /stock_items/.test(sql))).toHaveLength(1);
  });

  it('a product the warehouse never received has zero stock, not an error', async () => {
    const response = await graphql<{ _entities: Array<{ stock: unknown }> }>(
      subgraph.url,
      ENTITIES,
      { representations: [{ __typename: 'Product', id: newProductId() }] },
      await asRouter(customer, env.ROUTER_SIGNING_SECRET!),
    );
    expect(response.body.data?._entities[0]?.stock).toEqual({ available: 0, onHand: 0, reserved: 0 });
  });

  it('twenty staff restocking the same product at once: every unit counted, none lost', async () => {
    const productId = await announcedProductId();
    const headers = await asRouter(staff, env.ROUTER_SIGNING_SECRET!);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => graphql(subgraph.url, RESTOCK, { productId, quantity: 3 }, headers)),
    );
    expect(responses.flatMap((response) => response.body.errors ?? [])).toEqual([]);
    const stock = await db.stockItem.findUniqueOrThrow({ where: { productId } });
    expect(stock).toMatchObject({ onHand: 60, version: 20 });
    expect(await db.stockAdjustment.count({ where: { productId, reason: 'RESTOCK', actorId: staff.userId } })).toBe(20);
  });

  it('a restock past the most a product may hold is refused and rolled back whole', async () => {
    const productId = newProductId();
    await db.stockItem.create({ data: { productId, onHand: MAX_ON_HAND - 1, version: 7 } });
    const response = await graphql(
      subgraph.url,
      RESTOCK,
      { productId, quantity: 2 },
      await asRouter(staff, env.ROUTER_SIGNING_SECRET!),
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await db.stockItem.findUniqueOrThrow({ where: { productId } })).toMatchObject({
      onHand: MAX_ON_HAND - 1,
      version: 7,
    });
    expect(await db.stockAdjustment.count({ where: { productId } })).toBe(0);
    expect(await db.outboxEvent.count({ where: { aggregateId: productId } })).toBe(0);
  });

  it('a customer may not restock', async () => {
    const response = await graphql(
      subgraph.url,
      RESTOCK,
      { productId: newProductId(), quantity: 1 },
      await asRouter(customer, env.ROUTER_SIGNING_SECRET!),
    );
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });

  it.each([0, -5, 2_000_000])(
    'restocking %d units is refused as bad input, and nothing is written',
    async (quantity) => {
      const productId = await announcedProductId();
      const response = await graphql(
        subgraph.url,
        RESTOCK,
        { productId, quantity },
        await asRouter(staff, env.ROUTER_SIGNING_SECRET!),
      );
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(await db.stockItem.findUniqueOrThrow({ where: { productId } })).toMatchObject({ onHand: 0, version: 0 });
      expect(await db.stockAdjustment.count({ where: { productId } })).toBe(0);
      expect(await db.outboxEvent.count({ where: { aggregateId: productId } })).toBe(0);
    },
  );

  it('restocking a product id catalog never announced is NOT_FOUND, and opens no stock for it', async () => {
    const productId = newProductId();
    const response = await graphql(
      subgraph.url,
      RESTOCK,
      { productId, quantity: 5 },
      await asRouter(staff, env.ROUTER_SIGNING_SECRET!),
    );
    expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    expect(response.body.errors?.[0]?.message).toBe(`No product has id ${productId}.`);
    expect(await db.stockItem.count({ where: { productId } })).toBe(0);
    expect(await db.outboxEvent.count({ where: { aggregateId: productId } })).toBe(0);
  });

  it('refuses a request that does not carry the router signature (403)', async () => {
    const response = await graphql(
      subgraph.url,
      RESTOCK,
      { productId: newProductId(), quantity: 1 },
      { 'x-commerce-identity': 'forged' },
    );
    expect(response.status).toBe(403);
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });
});
