import { byVersion, type EventHandlers } from '@commerce/service-kit';
import type { Db } from './db.ts';
import type { StorefrontReadModel } from './read-model/storefront.ts';
import type { Tx } from './repository.ts';
import { showAvailability, showProductChange } from './use-cases/keep-storefront-current.ts';

/**
 * What catalog does with the events it hears (in its `pg` pool: stock events come with every
 * reservation and every confirmed order): it keeps the storefront's read model current from its
 * own product events, each inside the transaction that records it in the inbox, and inventory's
 * levels, kept by the stock row's version (an older or repeated event writes nothing), so
 * without an inbox: one statement a stock event.
 */
export function catalogEventHandlers(storefront: StorefrontReadModel, db: Db): EventHandlers<Tx> {
  return {
    'catalog.product.created': (event) => showProductChange(storefront, db, event),
    'catalog.product.price-changed': (event) => showProductChange(storefront, db, event),
    'catalog.product.archived': (event) => showProductChange(storefront, db, event),
    'inventory.stock.changed': byVersion((event, sql) => showAvailability(storefront, sql, event)),
  };
}
