import type { EventHandlers } from '@commerce/service-kit';
import { openStockRow, type Tx } from './repository.ts';

/** What inventory does with the events it hears, each inside the transaction that records it. */
export const inventoryEventHandlers: EventHandlers<Tx> = {
  'catalog.product.created': (event, tx) => openStockRow(tx, event.data.productId),
};
