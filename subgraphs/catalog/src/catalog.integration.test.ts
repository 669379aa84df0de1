import { inProcessApi, type RunningUnit, runUnit } from '@commerce/service-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { PRODUCTS } from '../../../prisma/seed/fixtures.ts';
import { asRouter, errorCodes, type GraphQLResponse, graphql } from '../../../tests/support/graphql.ts';
import { catalogUnit } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb, type Db } from './db.ts';
import { STALENESS_BOUND_MS } from './read-model/storefront.ts';
import { replayProducts } from './repository.ts';

// The catalog subgraph in this process, over the real test database, called over real HTTP.
const env = inject('env');
let db: Db;
let subgraph: RunningUnit;
let anonymous: Record<string, string>;
let staff: Record<string, string>;

beforeAll(async () => {
  const config = readConfig({ ...env, CATALOG_PORT: '0', LOG_LEVEL: 'silent' });
  db = connectDb(config.databaseUrl);
  subgraph = await runUnit(catalogUnit(config, db), inProcessApi);
});
// The router's identity header lives seconds: fresh ones for each test.
beforeEach(async () => {
  anonymous = await asRouter({ kind: 'anonymous' }, env.ROUTER_SIGNING_SECRET!);
  staff = await asRouter({ kind: 'user', userId: crypto.randomUUID(), role: 'STAFF' }, env.ROUTER_SIGNING_SECRET!);
});
afterAll(async () => {
  await subgraph?.close();
  await db?.$disconnect();
});

type Page = {
  products: {
    totalCount: number;
    edges: Array<{ cursor: string; node: { sku: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};
const PRODUCTS_PAGE = `query($first: Int, $after: String, $search: String) {
  products(first: $first, after: $after, search: $search) { totalCount edges { cursor node { sku } } pageInfo { hasNextPage endCursor } }
}`;
const CREATE = `mutation($input: CreateProductInput!) { createProduct(input: $input) { id sku active priceCents } }`;

async function createProduct(overrides: Record<string, unknown> = {}) {
  const sku = `TST-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
  const response = await graphql<{ createProduct: { id: string; sku: string } }>(
    subgraph.url,
    CREATE,
    { input: { sku, name: `Test ${sku}`, priceCents: 500, currency: 'EUR', ...overrides } },
    staff,
  );
  return response;
}

describe('catalog subgraph', () => {
  it('walking every page visits each active product once, in SKU order', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    do {
      const response: GraphQLResponse<Page> = await graphql<Page>(
        subgraph.url,
        PRODUCTS_PAGE,
        { first: 7, after },
        anonymous,
      );
      const page: Page['products'] = response.body.data!.products;
      total = page.totalCount;
      seen.push(...page.edges.map((edge) => edge.node.sku));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect([...seen].sort()).toEqual(seen);
    expect(total).toBeGreaterThanOrEqual(PRODUCTS.length);
  });

  it('search matches name, SKU or description, regardless of case', async () => {
    const response = await graphql<Page>(subgraph.url, PRODUCTS_PAGE, { search: 'FRENCH press' }, anonymous);
    expect(response.body.data?.products.edges.map((edge) => edge.node.sku)).toEqual(['KIT-PRS-01']);
    expect(response.body.data?.products.totalCount).toBe(1);
  });

  it.each([
    [{ first: 0 }, '`first`'],
    [{ first: 101 }, '`first`'],
    [{ after: 'bogus' }, '`after`'],
  ])('%j is BAD_USER_INPUT', async (variables, mention) => {
    const response = await graphql(subgraph.url, PRODUCTS_PAGE, variables, anonymous);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors?.[0]?.message).toContain(mention);
  });

  it('staff create a product; a second with the same SKU is a CONFLICT', async () => {
    const first = await createProduct();
    expect(first.body.errors).toBeUndefined();
    const sku = first.body.data!.createProduct.sku;
    const again = await createProduct({ sku });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    expect(await db.product.count({ where: { sku } })).toBe(1);
  });

  it('customers and anonymous callers may not change the catalog', async () => {
    const response = await graphql(
      subgraph.url,
      CREATE,
      { input: { sku: 'NOPE-001', name: 'Nope', priceCents: 1, currency: 'EUR' } },
      anonymous,
    );
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(await db.product.count({ where: { sku: 'NOPE-001' } })).toBe(0);
  });

  it('a new price applies; a negative price is refused and the old one kept', async () => {
    const { id } = (await createProduct()).body.data!.createProduct;
    const change = `mutation($id: ID!, $price: Int!) { changeProductPrice(id: $id, priceCents: $price) { priceCents } }`;
    expect((await graphql(subgraph.url, change, { id, price: 750 }, staff)).body.data).toEqual({
      changeProductPrice: { priceCents: 750 },
    });
    expect(errorCodes(await graphql(subgraph.url, change, { id, price: -1 }, staff))).toEqual(['BAD_USER_INPUT']);
    expect((await db.product.findUniqueOrThrow({ where: { id } })).priceCents).toBe(750);
  });

  it('an archived product leaves the listing and is hidden from customers, not from staff', async () => {
    const { id, sku } = (await createProduct()).body.data!.createProduct;
    const archive = `mutation($id: ID!) { archiveProduct(id: $id) { active } }`;
    expect((await graphql(subgraph.url, archive, { id }, staff)).body.data).toEqual({
      archiveProduct: { active: false },
    });
    const listed = await graphql<Page>(subgraph.url, PRODUCTS_PAGE, { search: sku }, anonymous);
    expect(listed.body.data?.products.totalCount).toBe(0);
    const byId = `query($id: ID!) { product(id: $id) { sku } }`;
    // A product page is the storefront read model's: it hears of the archiving within its bound.
    const deadline = Date.now() + STALENESS_BOUND_MS;
    let seen = await graphql(subgraph.url, byId, { id }, anonymous);
    while ((seen.body.data as { product: unknown }).product !== null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen = await graphql(subgraph.url, byId, { id }, anonymous);
    }
    expect(seen.body.data).toEqual({ product: null });
    expect((await graphql(subgraph.url, byId, { id }, staff)).body.data).toEqual({ product: { sku } });
  });

  it('an unknown product id is NOT_FOUND for staff changes', async () => {
    const change = `mutation($id: ID!) { changeProductPrice(id: $id, priceCents: 100) { id } }`;
    expect(errorCodes(await graphql(subgraph.url, change, { id: crypto.randomUUID() }, staff))).toEqual(['NOT_FOUND']);
  });

  it('each change commits with its event: created, price-changed, archived, versions 1 to 3', async () => {
    const { id, sku } = (await createProduct()).body.data!.createProduct;
    const change = `mutation($id: ID!, $price: Int!) { changeProductPrice(id: $id, priceCents: $price) { priceCents } }`;
    await graphql(subgraph.url, change, { id, price: 650 }, staff);
    const archive = `mutation($id: ID!) { archiveProduct(id: $id) { active } }`;
    await graphql(subgraph.url, archive, { id }, staff);
    await graphql(subgraph.url, archive, { id }, staff); // archived already: no second event
    expect(errorCodes(await graphql(subgraph.url, change, { id, price: 700 }, staff))).toEqual(['CONFLICT']);

    const events = await outboxOf(id);
    expect(events.map((event) => [event.type, event.data.version, event.data.priceCents, event.data.onSale])).toEqual([
      ['catalog.product.created', 1, 500, true],
      ['catalog.product.price-changed', 2, 650, true],
      ['catalog.product.archived', 3, 650, false],
    ]);
    expect(events[1]!.data).toMatchObject({ sku, previousPriceCents: 500 });
    expect((await db.product.findUniqueOrThrow({ where: { id } })).version).toBe(3);
  });

  it('a refused change writes no event: a taken SKU, a bad price', async () => {
    const { id, sku } = (await createProduct()).body.data!.createProduct;
    expect(errorCodes(await createProduct({ sku }))).toEqual(['CONFLICT']);
    const change = `mutation($id: ID!, $price: Int!) { changeProductPrice(id: $id, priceCents: $price) { priceCents } }`;
    expect(errorCodes(await graphql(subgraph.url, change, { id, price: -5 }, staff))).toEqual(['BAD_USER_INPUT']);
    expect(
      await db.outboxEvent.count({
        where: { type: 'catalog.product.created', envelope: { path: ['data', 'sku'], equals: sku } },
      }),
    ).toBe(1);
    expect((await outboxOf(id)).map((event) => event.type)).toEqual(['catalog.product.created']);
  });

  it('ten price changes at once: versions 2 to 11, each event naming the price it replaced', async () => {
    const { id } = (await createProduct()).body.data!.createProduct;
    const change = `mutation($id: ID!, $price: Int!) { changeProductPrice(id: $id, priceCents: $price) { priceCents } }`;
    await Promise.all(
      Array.from({ length: 10 }, (_, index) => graphql(subgraph.url, change, { id, price: 1000 + index }, staff)),
    );
    const changes = (await outboxOf(id)).filter((event) => event.type === 'catalog.product.price-changed');
    expect(changes.map((event) => event.data.version)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // A chain: each change replaced the price the one before it set.
    changes.slice(1).forEach((event, index) => {
      expect(event.data.previousPriceCents).toBe(changes[index]!.data.priceCents);
    });
  });

  it('a replay announces every product once more at its current version', async () => {
    const { id } = (await createProduct({ priceCents: 900 })).body.data!.createProduct;
    const before = await db.product.count(); // other tests may add products meanwhile, never remove any
    expect(await replayProducts(db, 7)).toBeGreaterThanOrEqual(before);
    const replayed = (await outboxOf(id)).at(-1)!;
    expect(replayed).toMatchObject({ type: 'catalog.product.created', data: { priceCents: 900, version: 1 } });
  });
});

type OutboxData = { version: number; priceCents: number; onSale: boolean; sku: string; previousPriceCents?: number };

/** The product's events in the order the relay publishes them. */
async function outboxOf(productId: string) {
  const rows = await db.outboxEvent.findMany({ where: { aggregateId: productId }, orderBy: { position: 'asc' } });
  return rows.map((row) => row.envelope as { type: string; data: OutboxData });
}
