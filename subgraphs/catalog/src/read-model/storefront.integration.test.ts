import { randomUUID } from 'node:crypto';
import { productArchived, productCreated, productPriceChanged, stockChanged } from '@commerce/events';
import { createSqlPool, inProcessApi, type RunningUnit, runUnit, type SqlPool } from '@commerce/service-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { PRODUCTS } from '../../../../prisma/seed/fixtures.ts';
import { freePort } from '../../../../tests/messaging/support.ts';
import { startEventDelivery } from '../../../../tests/support/event-delivery.ts';
import { asRouter, graphql } from '../../../../tests/support/graphql.ts';
import { catalogUnit } from '../app.ts';
import { readConfig } from '../config.ts';
import { connectDb, type Db } from '../db.ts';
import { catalogEventHandlers } from '../event-handlers.ts';
import type { Product } from '../generated/prisma/client.ts';
import { archiveProductRow, insertProduct, repriceProduct, stateOf, type Tx } from '../repository.ts';
import type { StorefrontReadModel } from './storefront.ts';

// The storefront's read model under a Redis prefix of this file's own, fed by catalog's real
// consumers (its handlers, on a queue of their own) over the test database, read through the
// catalog subgraph over HTTP; a second subgraph with the read model off answers from Postgres.
const env = inject('env');
const prefix = `${env.QUEUE_PREFIX}-storefront-${randomUUID().slice(0, 8)}`;
let db: Db;
let storefront: StorefrontReadModel;
let fromModel: RunningUnit;
let fromPostgres: RunningUnit;
let pool: SqlPool;
let delivery: Awaited<ReturnType<typeof startEventDelivery<Tx>>>;
let anonymous: Record<string, string>;
let staff: Record<string, string>;

beforeAll(async () => {
  db = connectDb(env.CATALOG_DATABASE_URL!);
  const settings = { ...env, QUEUE_PREFIX: prefix, CATALOG_PORT: '0', LOG_LEVEL: 'silent' };
  const unit = catalogUnit(readConfig(settings), db);
  storefront = unit.storefront;
  fromModel = await runUnit(unit, inProcessApi);
  fromPostgres = await runUnit(
    catalogUnit(readConfig({ ...settings, STOREFRONT_READ_MODEL: 'off' }), db),
    inProcessApi,
  );
  pool = createSqlPool(env.CATALOG_DATABASE_URL!);
  delivery = await startEventDelivery({
    unit: 'catalog',
    store: pool,
    handlers: catalogEventHandlers(storefront, db),
    redisUrl: env.REDIS_URL!,
  });
  expect(await storefront.rebuild()).toBe('rebuilt');
});
beforeEach(async () => {
  anonymous = await asRouter({ kind: 'anonymous' }, env.ROUTER_SIGNING_SECRET!);
  staff = await asRouter({ kind: 'user', userId: randomUUID(), role: 'STAFF' }, env.ROUTER_SIGNING_SECRET!);
});
afterAll(async () => {
  await delivery?.stop();
  await pool?.close();
  await storefront?.clear();
  await fromModel?.close();
  await fromPostgres?.close();
  await db?.$disconnect();
});

type Node = {
  id: string;
  sku: string;
  name: string;
  priceCents: number;
  currency: string;
  active: boolean;
  category: { slug: string; name: string } | null;
  stock: { available: number } | null;
};
const NODE = 'id sku name priceCents currency active category { slug name } stock { available }';
const PRODUCT = `query($id: ID!) { product(id: $id) { ${NODE} } }`;
const PAGE = `query($first: Int, $after: String) {
  products(first: $first, after: $after) { totalCount edges { cursor node { ${NODE} } } pageInfo { hasNextPage endCursor } }
}`;
type Page = {
  products: {
    totalCount: number;
    edges: Array<{ cursor: string; node: Node }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

const productOf = async (url: string, id: string, headers = anonymous) =>
  (await graphql<{ product: Node | null }>(url, PRODUCT, { id }, headers)).body.data!.product;

/** A product in catalog's database, announced as catalog announces it (the event the relay would carry). */
async function newProduct(): Promise<Product> {
  const sku = `RM-${randomUUID().slice(0, 8).toUpperCase()}`;
  const product = await insertProduct(db, {
    sku,
    name: `Read model ${sku}`,
    description: null,
    priceCents: 1000,
    currency: 'EUR',
    categoryId: null,
  });
  await delivery.deliver(productCreated.create(stateOf(product)));
  return product;
}
const levels = (productId: string, available: number, version: number) =>
  stockChanged.create({ productId, available, onHand: available, reserved: 0, version });

/** Every product of a walk of all pages (7 at a time) of a catalog subgraph's list. */
async function walk(url: string): Promise<{ total: number; nodes: Node[] }> {
  const nodes: Node[] = [];
  let after: string | null = null;
  let total = 0;
  do {
    const response = await graphql<Page>(url, PAGE, { first: 7, after }, anonymous);
    const page: Page['products'] = response.body.data!.products;
    total = page.totalCount;
    nodes.push(...page.edges.map((edge) => edge.node));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return { total, nodes };
}

describe('storefront read model', () => {
  it('a created product, a price change and new levels reach the product page and the list', async () => {
    const product = await newProduct();
    expect(await productOf(fromModel.url, product.id)).toMatchObject({ priceCents: 1000, stock: { available: 0 } });
    const repriced = await repriceProduct(db, product.id, 1250);
    if (!repriced || repriced === 'archived') throw new Error('not repriced');
    await delivery.deliver(productPriceChanged.create({ ...stateOf(repriced), previousPriceCents: 1000 }));
    await delivery.deliver(levels(product.id, 6, 1));
    // Straight from Redis, so the answer below is the read model's and not Postgres'.
    expect((await storefront.products([product.id]))?.get(product.id)).toMatchObject({
      priceCents: 1250,
      available: 6,
    });
    expect(await productOf(fromModel.url, product.id)).toMatchObject({ priceCents: 1250, stock: { available: 6 } });
    const page = await storefront.page(product.sku.slice(0, -1), 1);
    expect(page?.rows.map((row) => [row.sku, row.priceCents, row.available])).toEqual([[product.sku, 1250, 6]]);
  });

  it('an older stock event after a newer one changes nothing, in Redis and in catalog’s copy', async () => {
    const product = await newProduct();
    await delivery.deliver(levels(product.id, 7, 3));
    await delivery.deliver(levels(product.id, 9, 2));
    expect(await productOf(fromModel.url, product.id)).toMatchObject({ stock: { available: 7 } });
    expect(await productOf(fromPostgres.url, product.id)).toMatchObject({ stock: { available: 7 } });
  });

  it('an older product version written after a newer one changes nothing', async () => {
    const product = await newProduct();
    const repriced = await repriceProduct(db, product.id, 1500);
    if (!repriced || repriced === 'archived') throw new Error('not repriced');
    await storefront.projectProduct({ ...repriced, category: null });
    await storefront.projectProduct({ ...product, category: null }); // version 1, price 1000
    expect(await productOf(fromModel.url, product.id)).toMatchObject({ priceCents: 1500 });
  });

  it('a redelivered stock event changes nothing: its version tells, without an inbox row', async () => {
    const product = await newProduct();
    const event = levels(product.id, 4, 5);
    expect(await delivery.deliver(event)).toBe('completed');
    await delivery.deliver(levels(product.id, 3, 6));
    expect(await delivery.deliver(event)).toBe('completed'); // version 5 after 6: nothing written
    await storefront.projectAvailability({ productId: product.id, available: 4, version: 5 }); // and Redis alike
    expect(await productOf(fromModel.url, product.id)).toMatchObject({ stock: { available: 3 } });
    expect(await productOf(fromPostgres.url, product.id)).toMatchObject({ stock: { available: 3 } });
    expect(await db.inboxEvent.findUnique({ where: { eventId: event.id } })).toBeNull();
  });

  it('a redelivered product event changes nothing: the inbox knows it', async () => {
    const product = await newProduct();
    const repriced = await repriceProduct(db, product.id, 1300);
    if (!repriced || repriced === 'archived') throw new Error('not repriced');
    const event = productPriceChanged.create({ ...stateOf(repriced), previousPriceCents: 1000 });
    expect(await delivery.deliver(event)).toBe('completed');
    expect(await db.inboxEvent.findUnique({ where: { eventId: event.id } })).not.toBeNull();
    expect(await delivery.deliver(event)).toBe('completed');
    expect(await productOf(fromModel.url, product.id)).toMatchObject({ priceCents: 1300 });
  });

  it('archiving takes the product out of the list; customers no longer see it, staff do', async () => {
    const product = await newProduct();
    const before = (await storefront.page(null, 100))!.count;
    const archived = await archiveProductRow(db, product.id);
    await delivery.deliver(productArchived.create({ ...stateOf(archived!), onSale: false }));
    const page = await storefront.page(product.sku.slice(0, -1), 1);
    expect(page?.rows.map((row) => row.sku)).not.toContain(product.sku);
    expect(page!.count).toBeLessThan(before + 1);
    expect(await productOf(fromModel.url, product.id)).toBeNull();
    expect(await productOf(fromModel.url, product.id, staff)).toMatchObject({ active: false, sku: product.sku });
  });

  it('rebuilt from an empty Redis, it answers as Postgres does', async () => {
    // Other test files write to the catalog meanwhile (this copy does not hear them): compare the
    // seeded products, and take a second look when a write fell between the two walks.
    const seeded = new Set(PRODUCTS.map((product) => product.sku));
    const seededOf = ({ nodes }: { nodes: Node[] }) => nodes.filter((node) => seeded.has(node.sku));
    let attempts = 0;
    let model: Node[];
    let postgres: Node[];
    do {
      await storefront.clear();
      expect(await storefront.isReady()).toBe(false);
      expect(await storefront.rebuild()).toBe('rebuilt');
      expect(await storefront.isReady()).toBe(true);
      [model, postgres] = [seededOf(await walk(fromModel.url)), seededOf(await walk(fromPostgres.url))];
      attempts += 1;
    } while (JSON.stringify(model) !== JSON.stringify(postgres) && attempts < 3);
    expect(model).toEqual(postgres);
    expect(model.map((node) => node.sku)).toEqual([...seeded].sort());
    expect(model.every((node) => node.category !== null && node.stock !== null)).toBe(true);
  });

  it('with Redis unreachable, the list and the product page still answer, from Postgres', async () => {
    const product = await newProduct();
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    const unit = catalogUnit(
      readConfig({ ...env, REDIS_URL: nowhere, QUEUE_PREFIX: prefix, CATALOG_PORT: '0', LOG_LEVEL: 'silent' }),
      db,
    );
    const cut = await runUnit(unit, inProcessApi);
    try {
      expect(await unit.storefront.isReady()).toBe(false);
      expect(await productOf(cut.url, product.id)).toMatchObject({ sku: product.sku, stock: { available: 0 } });
      const first = await graphql<Page>(cut.url, PAGE, { first: 5 }, anonymous);
      expect(first.body.errors).toBeUndefined();
      expect(first.body.data!.products.edges).toHaveLength(5);
    } finally {
      await cut.close();
    }
  });

  it('not ready (emptied), it still answers, from Postgres, and repairs itself in the background', async () => {
    const product = await newProduct();
    await storefront.clear();
    expect(await storefront.page(null, 5)).toBeNull();
    expect(await productOf(fromModel.url, product.id)).toMatchObject({ sku: product.sku, priceCents: 1000 });
    const listed = await walk(fromModel.url);
    expect(listed.nodes.map((node) => node.sku)).toContain(product.sku);
    // The read that found it not ready started a rebuild.
    const deadline = Date.now() + 15_000;
    while (!(await storefront.isReady())) {
      if (Date.now() > deadline) throw new Error('the read model was not rebuilt');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await storefront.products([product.id]))?.get(product.id)).toMatchObject({ sku: product.sku });
  });
});
