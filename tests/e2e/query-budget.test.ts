import { inProcessApi, issueAccessToken, parseKeyRing, type RunningUnit, runUnit } from '@commerce/service-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PRODUCTS, userId } from '../../prisma/seed/fixtures.ts';
import { startRouter } from '../../router/src/app.ts';
import { readConfig as readRouterConfig } from '../../router/src/config.ts';
import { accountsUnit } from '../../subgraphs/accounts/src/app.ts';
import { readConfig as accountsConfig } from '../../subgraphs/accounts/src/config.ts';
import { connectDb as accountsDb } from '../../subgraphs/accounts/src/db.ts';
import { catalogUnit } from '../../subgraphs/catalog/src/app.ts';
import { readConfig as catalogConfig } from '../../subgraphs/catalog/src/config.ts';
import { connectDb as catalogDb } from '../../subgraphs/catalog/src/db.ts';
import { inventoryUnit } from '../../subgraphs/inventory/src/app.ts';
import { readConfig as inventoryConfig } from '../../subgraphs/inventory/src/config.ts';
import { connectDb as inventoryDb } from '../../subgraphs/inventory/src/db.ts';
import { notificationsUnit } from '../../subgraphs/notifications/src/app.ts';
import { readConfig as notificationsConfig } from '../../subgraphs/notifications/src/config.ts';
import { connectDb as notificationsDb } from '../../subgraphs/notifications/src/db.ts';
import { ordersUnit } from '../../subgraphs/orders/src/app.ts';
import { readConfig as ordersConfig } from '../../subgraphs/orders/src/config.ts';
import { connectDb as ordersDb } from '../../subgraphs/orders/src/db.ts';
import { paymentsUnit } from '../../subgraphs/payments/src/app.ts';
import { readConfig as paymentsConfig } from '../../subgraphs/payments/src/config.ts';
import { connectDb as paymentsDb } from '../../subgraphs/payments/src/db.ts';
import { graphql } from '../support/graphql.ts';

// Every subgraph and a router in this process, each database client counting the SQL statements
// it sends, so the cost of one GraphQL request can be read per database.
const env = inject('env');
const quiet = { ...env, LOG_LEVEL: 'silent' };
const statements: Record<string, string[]> = {};
const counter = (unit: string) => {
  statements[unit] = [];
  return { onQuery: (sql: string) => statements[unit]!.push(sql) };
};

const dbs = {
  accounts: accountsDb(env.ACCOUNTS_DATABASE_URL!, counter('accounts')),
  catalog: catalogDb(env.CATALOG_DATABASE_URL!, counter('catalog')),
  inventory: inventoryDb(env.INVENTORY_DATABASE_URL!, counter('inventory')),
  orders: ordersDb(env.ORDERS_DATABASE_URL!, counter('orders')),
  payments: paymentsDb(env.PAYMENTS_DATABASE_URL!, counter('payments')),
  notifications: notificationsDb(env.NOTIFICATIONS_DATABASE_URL!, counter('notifications')),
};
const running: Array<{ close: () => Promise<void> }> = [];
let routerUrl: string;
let staffToken: string;

/** 50 orders of two new customers, each with two items and a payment, made for this test. */
async function placeFiftyOrders() {
  // Customers of this test's own, so other test files' views of the seeded customers stay as seeded.
  const customers = await Promise.all(
    ['one', 'two'].map(async (name) => {
      const user = await dbs.accounts.user.create({
        data: {
          email: `budget-${name}-${crypto.randomUUID()}@example.com`,
          name: `Budget ${name}`,
          passwordHash: 'unusable',
        },
      });
      return user.id;
    }),
  );
  const orders = Array.from({ length: 50 }, (_, index) => {
    const products = [PRODUCTS[index % PRODUCTS.length]!, PRODUCTS[(index * 7 + 3) % PRODUCTS.length]!];
    return {
      id: crypto.randomUUID(),
      customerId: customers[index % 2]!,
      status: 'CONFIRMED' as const,
      currency: 'EUR',
      totalCents: products.reduce((sum, product) => sum + product.priceCents, 0),
      createdAt: new Date(Date.now() + 60_000 + index), // newest of all, so they fill the first page
      items: products.map((product, position) => ({
        productId: product.id,
        quantity: 1,
        unitPriceCents: product.priceCents,
        position,
      })),
    };
  });
  await dbs.orders.$transaction(
    orders.map(({ items, ...order }) => dbs.orders.order.create({ data: { ...order, items: { create: items } } })),
  );
  await dbs.payments.payment.createMany({
    data: orders.map((order) => ({
      orderId: order.id,
      customerId: order.customerId,
      amountCents: order.totalCents,
      currency: 'EUR',
      status: 'CAPTURED' as const,
      idempotencyKey: `order:${order.id}`,
      attempts: 1,
    })),
  });
  return orders;
}

beforeAll(async () => {
  const subgraphs: Array<[string, Promise<RunningUnit>]> = [
    ['ACCOUNTS', runUnit(accountsUnit(accountsConfig({ ...quiet, ACCOUNTS_PORT: '0' }), dbs.accounts), inProcessApi)],
    ['CATALOG', runUnit(catalogUnit(catalogConfig({ ...quiet, CATALOG_PORT: '0' }), dbs.catalog), inProcessApi)],
    [
      'INVENTORY',
      runUnit(inventoryUnit(inventoryConfig({ ...quiet, INVENTORY_PORT: '0' }), dbs.inventory), inProcessApi),
    ],
    ['ORDERS', runUnit(ordersUnit(ordersConfig({ ...quiet, ORDERS_PORT: '0' }), dbs.orders), inProcessApi)],
    ['PAYMENTS', runUnit(paymentsUnit(paymentsConfig({ ...quiet, PAYMENTS_PORT: '0' }), dbs.payments), inProcessApi)],
    [
      'NOTIFICATIONS',
      runUnit(
        notificationsUnit(notificationsConfig({ ...quiet, NOTIFICATIONS_PORT: '0' }), dbs.notifications),
        inProcessApi,
      ),
    ],
  ];
  const urls: Record<string, string> = {};
  for (const [name, started] of subgraphs) {
    const subgraph = await started;
    running.push(subgraph);
    urls[`${name}_URL`] = subgraph.url;
  }
  const router = await startRouter(readRouterConfig({ ...quiet, ...urls, ROUTER_PORT: '0' }));
  running.push(router);
  routerUrl = router.url;
  const [key] = parseKeyRing(env.JWT_SIGNING_KEY!);
  staffToken = await issueAccessToken({ userId: userId('staff@example.com'), role: 'STAFF' }, key!, 300);
  await placeFiftyOrders();
});

afterAll(async () => {
  for (const service of running.reverse()) await service.close();
  await Promise.all(Object.values(dbs).map((db) => db.$disconnect()));
});

describe('query cost per database', () => {
  it('staff listing 50 orders with customer, items, products, stock and payment: one query per database', async () => {
    for (const list of Object.values(statements)) list.length = 0;
    const response = await graphql<{
      orders: {
        edges: Array<{
          node: {
            customer: { name: string };
            items: Array<{ product: { name: string; stock: { available: number } } }>;
            payment: { status: string } | null;
          };
        }>;
      };
    }>(
      routerUrl,
      `{ orders(first: 50) { edges { node {
          customer { name }
          items { quantity product { name stock { available } } }
          payment { status }
      } } } }`,
      {},
      { authorization: `Bearer ${staffToken}` },
    );
    expect(response.body.errors).toBeUndefined();
    const edges = response.body.data!.orders.edges;
    expect(edges).toHaveLength(50);
    for (const { node } of edges) {
      expect(node.customer.name).toEqual(expect.any(String));
      expect(node.payment?.status).toBe('CAPTURED');
      for (const item of node.items) {
        expect(item.product.name).toEqual(expect.any(String));
        expect(item.product.stock.available).toEqual(expect.any(Number));
      }
    }
    const perDatabase = Object.fromEntries(Object.entries(statements).map(([unit, list]) => [unit, list.length]));
    // Products and their availability come from catalog's storefront read model (Redis): no SQL
    // in catalog, and inventory is not asked at all (catalog answers `stock { available }`).
    expect(perDatabase).toEqual({ accounts: 1, catalog: 0, inventory: 0, orders: 1, payments: 1, notifications: 0 });
  });

  it('the storefront page of 20 products with category and availability: no SQL at all, from the read model', async () => {
    for (const list of Object.values(statements)) list.length = 0;
    const response = await graphql<{
      products: {
        totalCount: number;
        edges: Array<{ node: { category: { name: string } | null; stock: { available: number } } }>;
      };
    }>(
      routerUrl,
      `{ products(first: 20) { totalCount edges { cursor node { id sku name priceCents currency category { name } stock { available } } }
         pageInfo { hasNextPage endCursor } } }`,
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.products.edges).toHaveLength(20);
    expect(response.body.data!.products.edges.every(({ node }) => typeof node.stock.available === 'number')).toBe(true);
    expect(Object.values(statements).every((list) => list.length === 0)).toBe(true);
  });

  it('the same page asking for `onHand` too: the query planner goes to inventory for it, one query', async () => {
    for (const list of Object.values(statements)) list.length = 0;
    const response = await graphql<{
      products: { edges: Array<{ node: { stock: { available: number; onHand: number } } }> };
    }>(routerUrl, '{ products(first: 20) { edges { node { name stock { available onHand } } } } }');
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.products.edges.every(({ node }) => typeof node.stock.onHand === 'number')).toBe(true);
    expect(statements.inventory).toHaveLength(1);
    expect(statements.catalog).toHaveLength(0);
  });

  it("many customers' first pages of orders and notifications: a fixed number of queries, not one per customer", async () => {
    for (const list of Object.values(statements)) list.length = 0;
    const response = await graphql<{
      orders: { edges: Array<{ node: { customer: { orders: { edges: unknown[] } } } }> };
    }>(
      routerUrl,
      `{ orders(first: 50) { edges { node { customer {
          orders(first: 3) { totalCount edges { node { id items { quantity } } } }
          notifications(first: 2) { totalCount edges { node { title } } }
          unreadNotificationCount
      } } } } }`,
      {},
      { authorization: `Bearer ${staffToken}` },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.orders.edges.every(({ node }) => node.customer.orders.edges.length === 3)).toBe(true);
    // orders: the listing, the customers' pages (ids, then rows with items), their counts.
    expect(statements.orders).toHaveLength(4);
    // notifications: the pages, the totals, the unread counts.
    expect(statements.notifications).toHaveLength(3);
  });
});
