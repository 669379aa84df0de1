import type { EventHandlers } from '@commerce/service-kit';
import type { Db } from './db.ts';
import type { StorefrontReadModel } from './read-model/storefront.ts';
import type { Tx } from './repository.ts';
import { showAvailability, showProductChange } from './use-cases/keep-storefront-current.ts';

/**
 * What catalog does with the events it hears, each inside the transaction that records it (in its
 * `pg` pool: stock events come with every reservation): it keeps the storefront's read model
 * current from its own product events and inventory's levels.
 */
export function catalogEventHandlers(storefront: StorefrontReadModel, db: Db): EventHandlers<Tx> {
  return {
    'catalog.product.created': (event) => showProductChange(storefront, db, event),
    'catalog.product.price-changed': (event) => showProductChange(storefront, db, event),
    'catalog.product.archived': (event) => showProductChange(storefront, db, event),
    'inventory.stock.changed': (event, tx) => showAvailability(storefront, tx, event),
  };
}
