/**
 * Orders' own copy of catalog's products (a read model in orders' database), written only by
 * catalog's product events. Every product event carries the whole state with catalog's version
 * of it, so one rule serves all three: keep the state when its version is newer than the copy's.
 * A redelivery, a replay or an event overtaken by a later one changes nothing.
 */
import type { EventOf } from '@commerce/events';
import type { TransactionClientOf } from '@commerce/service-kit';
import type { Db } from './db.ts';

export type Tx = TransactionClientOf<Db>;

/** The product state every product event carries. */
export type ProductState = EventOf<'catalog.product.created'>['data'];

/** Keeps a product's state unless the copy already holds this version or a later one. */
export async function keepProductState(tx: Tx, state: ProductState): Promise<void> {
  const { productId, sku, name, priceCents, currency, onSale, version } = state;
  await tx.$executeRaw`
    INSERT INTO catalog_products (product_id, sku, name, price_cents, currency, on_sale, version, updated_at)
    VALUES (${productId}::uuid, ${sku}, ${name}, ${priceCents}, ${currency}, ${onSale}, ${version}, now())
    ON CONFLICT (product_id) DO UPDATE SET
      sku = EXCLUDED.sku, name = EXCLUDED.name, price_cents = EXCLUDED.price_cents,
      currency = EXCLUDED.currency, on_sale = EXCLUDED.on_sale, version = EXCLUDED.version,
      updated_at = EXCLUDED.updated_at
    WHERE catalog_products.version < EXCLUDED.version`;
}
