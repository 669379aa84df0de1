import { loaderByKey, startSubgraph } from '@commerce/service-kit';
import type { InventoryConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';

/** The inventory subgraph over a given database; main.ts runs it, tests start it in-process. */
export function startInventory(config: InventoryConfig, db: Db) {
  return startSubgraph<Context>({
    name: 'inventory',
    schemaFile: new URL('../schema.graphql', import.meta.url),
    resolvers,
    settings: config,
    db,
    createContext: (scope) => ({
      ...scope,
      db,
      stockByProductId: loaderByKey(
        (ids) => db.stockItem.findMany({ where: { productId: { in: ids } } }),
        (row) => row.productId,
      ),
    }),
  });
}
