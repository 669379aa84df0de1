import type { EventHandlers } from '@commerce/service-kit';
import { keepProductState, type Tx } from './repository.ts';

/** What orders does with the events it hears, each inside the transaction that records it. */
export const ordersEventHandlers: EventHandlers<Tx> = {
  'catalog.product.created': (event, tx) => keepProductState(tx, event.data),
  'catalog.product.price-changed': (event, tx) => keepProductState(tx, event.data),
  'catalog.product.archived': (event, tx) => keepProductState(tx, event.data),
};
