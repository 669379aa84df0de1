import type { EventHandlers } from '@commerce/service-kit';
import type { StorefrontReadModel } from './read-model/storefront.ts';
import type { Tx } from './repository.ts';
import { showAvailability, showProductChange } from './use-cases/keep-storefront-current.ts';

/**
 * What catalog does with the events it hears, each inside the transaction that records it: it
 * keeps the storefront's read model current from its own product events and inventory's levels.
 */
export function catalogEventHandlers(storefront: StorefrontReadModel): EventHandlers<Tx> {
  return {
    'catalog.product.created': (event, tx) => showProductChange(storefront, tx, event),
    'catalog.product.price-changed': (event, tx) => showProductChange(storefront, tx, event),
    'catalog.product.archived': (event, tx) => showProductChange(storefront, tx, event),
    'inventory.stock.changed': (event, tx) => showAvailability(storefront, tx, event),
  };
}
