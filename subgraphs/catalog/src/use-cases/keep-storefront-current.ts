import type { EventOf } from '@commerce/events';
import type { Db } from '../db.ts';
import type { StorefrontReadModel } from '../read-model/storefront.ts';
import { findProductWithCategory, keepAvailability, type Tx } from '../repository.ts';

/**
 * A product changed (created, repriced, archived; or announced again by a replay): the read
 * model takes the product as catalog's database holds it now, at its current version. Reading the
 * row rather than the event also brings what events do not carry (description, category), and a
 * late event then writes nothing older than what the copy has. Read as committed, outside the
 * event's transaction: the copy is written by version, so what it reads can only be as new or newer.
 */
export async function showProductChange(
  storefront: StorefrontReadModel,
  db: Db,
  event: EventOf<'catalog.product.created' | 'catalog.product.price-changed' | 'catalog.product.archived'>,
): Promise<void> {
  const product = await findProductWithCategory(db, event.data.productId);
  if (product) await storefront.projectProduct(product);
}

/**
 * Inventory's levels of a product changed: catalog keeps what is available (its own copy, the
 * answer when the read model is not used) and the read model shows it. An event from before
 * stock events carried a version counts as version 0: kept only when nothing is known yet.
 */
export async function showAvailability(
  storefront: StorefrontReadModel,
  tx: Tx,
  event: EventOf<'inventory.stock.changed'>,
): Promise<void> {
  const row = { productId: event.data.productId, available: event.data.available, version: event.data.version ?? 0 };
  await keepAvailability(tx, row);
  // Written to Redis also when Postgres had it already: a redelivery after a lost Redis write repairs it.
  await storefront.projectAvailability(row);
}
