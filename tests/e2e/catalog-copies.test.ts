import { spawnSync } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { PRODUCTS } from '../../prisma/seed/fixtures.ts';
import { ROOT } from '../../scripts/lib/system.ts';
import { connectDb as connectInventory } from '../../subgraphs/inventory/src/db.ts';
import { connectDb as connectOrders } from '../../subgraphs/orders/src/db.ts';
import { graphql } from '../support/graphql.ts';
import { bearer } from '../support/router.ts';

// Catalog's changes reach the copies other units keep, through the running system: catalog's
// outbox and relay, BullMQ, orders' and inventory's consumers. Read from their own databases.
const routerUrl = inject('routerUrl');
const env = inject('env');

/** How long a copy may lag on this loaded shared machine (README, "Read models", says the usual). */
const STALENESS_BOUND_MS = 5_000;

async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + STALENESS_BOUND_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${STALENESS_BOUND_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function withDbs<T>(
  work: (dbs: {
    orders: ReturnType<typeof connectOrders>;
    inventory: ReturnType<typeof connectInventory>;
  }) => Promise<T>,
) {
  const orders = connectOrders(env.ORDERS_DATABASE_URL!);
  const inventory = connectInventory(env.INVENTORY_DATABASE_URL!);
  try {
    return await work({ orders, inventory });
  } finally {
    await Promise.all([orders.$disconnect(), inventory.$disconnect()]);
  }
}

const CREATE = `mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
const REPRICE = `mutation($id: ID!, $price: Int!) { changeProductPrice(id: $id, priceCents: $price) { priceCents } }`;
const ARCHIVE = `mutation($id: ID!) { archiveProduct(id: $id) { active } }`;
const RESTOCK = `mutation($id: ID!, $quantity: Int!) { restock(productId: $id, quantity: $quantity) { onHand } }`;

describe("catalog's changes in the other units' copies", () => {
  it('every seeded product is in orders’ copy at its price and on sale, and has its stock row', async () =>
    withDbs(async ({ orders, inventory }) => {
      const ids = PRODUCTS.map((product) => product.id);
      const copied = await eventually('the seeded products in orders’ copy', async () => {
        const rows = await orders.catalogProduct.findMany({ where: { productId: { in: ids } } });
        return rows.length === ids.length && rows;
      });
      for (const product of PRODUCTS) {
        expect(copied.find((row) => row.productId === product.id)).toMatchObject({
          sku: product.sku,
          name: product.name,
          priceCents: product.priceCents,
          onSale: true,
        });
      }
      expect(await inventory.stockItem.count({ where: { productId: { in: ids } } })).toBe(ids.length);
    }));

  it('a product staff create, reprice and archive through the router: orders’ copy follows each change', async () =>
    withDbs(async ({ orders, inventory }) => {
      const staff = await bearer(env, 'STAFF');
      const sku = `COPY-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
      const created = await graphql<{ createProduct: { id: string } }>(
        routerUrl,
        CREATE,
        { input: { sku, name: `Copy ${sku}`, priceCents: 1000, currency: 'EUR' } },
        staff,
      );
      expect(created.body.errors).toBeUndefined();
      const id = created.body.data!.createProduct.id;
      await eventually('the new product in orders’ copy', () =>
        orders.catalogProduct.findUnique({ where: { productId: id } }),
      );
      // Inventory opened its stock row: staff can restock it (an unknown id would be NOT_FOUND).
      await eventually('the stock row', () => inventory.stockItem.findUnique({ where: { productId: id } }));
      expect(await inventory.stockItem.findUnique({ where: { productId: id } })).toMatchObject({ onHand: 0 });
      const restocked = await graphql(routerUrl, RESTOCK, { id, quantity: 4 }, staff);
      expect(restocked.body).toEqual({ data: { restock: { onHand: 4 } } });

      const changedAt = Date.now();
      expect((await graphql(routerUrl, REPRICE, { id, price: 1234 }, staff)).body.errors).toBeUndefined();
      const repriced = await eventually('the new price in orders’ copy', async () => {
        const row = await orders.catalogProduct.findUnique({ where: { productId: id } });
        return row?.priceCents === 1234 && row;
      });
      console.log(`price change → orders' copy: ${Date.now() - changedAt} ms (poll every 25 ms)`);
      expect(repriced).toMatchObject({ onSale: true, version: 2 });

      expect((await graphql(routerUrl, ARCHIVE, { id }, staff)).body.errors).toBeUndefined();
      const archived = await eventually('the archive in orders’ copy', async () => {
        const row = await orders.catalogProduct.findUnique({ where: { productId: id } });
        return row?.onSale === false && row;
      });
      expect(archived).toMatchObject({ priceCents: 1234, version: 3 });
    }));

  it('pnpm events:replay catalog: a copy that lost a product gets it back through the normal path', async () =>
    withDbs(async ({ orders }) => {
      const staff = await bearer(env, 'STAFF');
      const sku = `REPLAY-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
      const created = await graphql<{ createProduct: { id: string } }>(
        routerUrl,
        CREATE,
        { input: { sku, name: `Replay ${sku}`, priceCents: 4200, currency: 'EUR' } },
        staff,
      );
      const id = created.body.data!.createProduct.id;
      await eventually('the new product in orders’ copy', () =>
        orders.catalogProduct.findUnique({ where: { productId: id } }),
      );
      await orders.catalogProduct.delete({ where: { productId: id } }); // as if orders had started empty

      const replay = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/events-replay.ts', 'catalog'], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      expect(replay.status, replay.stderr).toBe(0);
      expect(replay.stdout).toMatch(/replayed: catalog: \d+ products announced/);
      const back = await eventually('the replayed product in orders’ copy', () =>
        orders.catalogProduct.findUnique({ where: { productId: id } }),
      );
      expect(back).toMatchObject({ sku, priceCents: 4200, onSale: true, version: 1 });
    }));
});
