import { loaderByKey, type UnitDefinition } from '@commerce/service-kit';
import type { InventoryConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';

/** The inventory unit over a given database: main.ts runs it with runUnit, tests start its API in-process. */
export function inventoryUnit(config: InventoryConfig, db: Db): UnitDefinition<Context, Db> {
  return {
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
  };
}
