/**
 * Every write to catalog's products goes through here: each opens one transaction, makes the
 * change, bumps the product's version and appends the event that tells other units, so a change
 * and its event commit together or not at all (no dual writes).
 */
import { productArchived, productCreated, productPriceChanged } from '@commerce/events';
import { appendEvents, prismaSql, type Sql } from '@commerce/service-kit';
import type { Db } from './db.ts';
import { Prisma, type Product } from './generated/prisma/client.ts';
import type { AvailabilityRow, RebuildSource } from './read-model/storefront.ts';

/** The state every product event carries (see packages/events). */
export function stateOf(product: Product) {
  return {
    productId: product.id,
    sku: product.sku,
    name: product.name,
    priceCents: product.priceCents,
    currency: product.currency,
    onSale: product.active,
    version: product.version,
  };
}

export type NewProductRow = {
  id?: string;
  sku: string;
  name: string;
  description: string | null;
  priceCents: number;
  currency: string;
  categoryId: string | null;
};

export class DuplicateSku extends Error {}

/** A new product, announced as `catalog.product.created`. Throws DuplicateSku for a taken SKU. */
export async function insertProduct(db: Db, row: NewProductRow): Promise<Product> {
  try {
    return await db.$transaction(async (tx) => {
      const product = await tx.product.create({ data: row });
      await appendEvents(prismaSql(tx), [productCreated.create(stateOf(product))]);
      return product;
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new DuplicateSku();
    throw error;
  }
}

/**
 * Products that are not there yet (the demo seed): inserted, each announced, in one transaction;
 * those that exist are left as they are. Returns how many were added.
 */
export async function insertMissingProducts(
  db: Db,
  rows: readonly (NewProductRow & { id: string })[],
): Promise<number> {
  return db.$transaction(async (tx) => {
    const existing = new Set(
      (await tx.product.findMany({ where: { id: { in: rows.map((row) => row.id) } }, select: { id: true } })).map(
        (product) => product.id,
      ),
    );
    const missing = rows.filter((row) => !existing.has(row.id));
    if (missing.length === 0) return 0;
    await tx.product.createMany({ data: missing });
    const added = await tx.product.findMany({ where: { id: { in: missing.map((row) => row.id) } } });
    await appendEvents(
      prismaSql(tx),
      added.map((product) => productCreated.create(stateOf(product))),
    );
    return added.length;
  });
}

/**
 * A new price for an on-sale product, announced as `price-changed` with the price it replaces.
 * The row is locked first, so two changes at once each see the price the other left.
 * Returns null when no product has the id, 'archived' when it is not on sale.
 */
export async function repriceProduct(db: Db, id: string, priceCents: number): Promise<Product | null | 'archived'> {
  return db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<{ price_cents: number; active: boolean }[]>`
      SELECT price_cents, active FROM products WHERE id = ${id}::uuid FOR UPDATE`;
    if (!locked) return null;
    if (!locked.active) return 'archived';
    const product = await tx.product.update({ where: { id }, data: { priceCents, version: { increment: 1 } } });
    await appendEvents(prismaSql(tx), [
      productPriceChanged.create({ ...stateOf(product), previousPriceCents: locked.price_cents }),
    ]);
    return product;
  });
}

/**
 * Takes a product off sale, announced as `archived`. Archiving an archived product changes
 * nothing and announces nothing. Returns null when no product has the id.
 */
export async function archiveProductRow(db: Db, id: string): Promise<Product | null> {
  return db.$transaction(async (tx) => {
    const archived = await tx.product.updateManyAndReturn({
      where: { id, active: true },
      data: { active: false, version: { increment: 1 } },
    });
    const product = archived[0];
    if (!product) return tx.product.findUnique({ where: { id } });
    await appendEvents(prismaSql(tx), [productArchived.create({ ...stateOf(product), onSale: false })]);
    return product;
  });
}

/**
 * Catch-up for units that start with an empty copy: every product's current state goes to the
 * outbox again as `catalog.product.created`, in pages, through the normal relay. Consumers keep
 * a copy only when the event's version is newer, so a replay never moves anything back and
 * running it twice changes nothing. Returns how many products were announced.
 */
export async function replayProducts(db: Db, pageSize = 500): Promise<number> {
  let after: string | undefined;
  let announced = 0;
  for (;;) {
    const page = await db.$transaction(async (tx) => {
      const products = await tx.product.findMany({
        where: after ? { id: { gt: after } } : {},
        orderBy: { id: 'asc' },
        take: pageSize,
      });
      await appendEvents(
        prismaSql(tx),
        products.map((product) => productCreated.create(stateOf(product))),
      );
      return products;
    });
    announced += page.length;
    if (page.length < pageSize) return announced;
    after = page.at(-1)!.id;
  }
}

// ---------------------------------------------------------------------------------------------
// The storefront's read model (read-model/storefront.ts) reads and keeps these.
// ---------------------------------------------------------------------------------------------

/** The transaction a consumed event is applied in (the consumer's Prisma transaction). */
/** Where catalog's event handlers run: a transaction of its `pg` pool (the unit's `sql`). */
export type Tx = Sql;

/** A product with its category, as the storefront shows it; null when no product has the id. */
export function findProductWithCategory(db: Db, id: string) {
  return db.product.findUnique({ where: { id }, include: { category: true } });
}

/**
 * Keeps what inventory last said is available of a product, unless catalog's copy already holds
 * this stock version or a later one (a redelivered, replayed or overtaken event changes nothing).
 * Returns whether it was kept.
 */
export async function keepAvailability(tx: Tx, row: AvailabilityRow): Promise<boolean> {
  const kept = await tx.execute(
    `INSERT INTO product_availability (product_id, available, version, updated_at)
     VALUES ($1::uuid, $2, $3, now())
     ON CONFLICT (product_id) DO UPDATE SET
       available = EXCLUDED.available, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
     WHERE product_availability.version < EXCLUDED.version`,
    [row.productId, row.available, row.version],
  );
  return kept > 0;
}

/** Catalog's copy of inventory's levels of these products (those it has heard of). */
export function findAvailability(db: Db, productIds: readonly string[]) {
  return db.productAvailability.findMany({ where: { productId: { in: [...productIds] } } });
}

/** What a rebuild of the read model reads: every product (archived too) by id, and availability. */
export const storefrontSource = (db: Db): RebuildSource => ({
  products: (afterId, take) =>
    db.product.findMany({
      where: afterId ? { id: { gt: afterId } } : {},
      orderBy: { id: 'asc' },
      take,
      include: { category: true },
    }),
  availability: (productIds) => findAvailability(db, productIds),
});
