import { createLogger, createSqlPool, loaderByKey, type UnitDefinition } from '@commerce/service-kit';
import type { InventoryConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { INVENTORY_CONSUMER_CONCURRENCY, inventoryEventHandlers } from './event-handlers.ts';
import { resolvers } from './resolvers.ts';

/** The inventory unit over a given database: main.ts runs it with runUnit, tests start its API in-process. */
export function inventoryUnit(config: InventoryConfig, db: Db): UnitDefinition<Context, Db> {
  const logger = createLogger('inventory', config.logLevel);
  return {
    name: 'inventory',
    logger,
    schemaFile: new URL('../schema.graphql', import.meta.url),
    resolvers,
    settings: config,
    db,
    // The saga's transactions, one connection per job in hand.
    sql: createSqlPool(config.databaseUrl, {
      max: INVENTORY_CONSUMER_CONCURRENCY,
      onError: (error) => logger.warn({ err: error }, 'inventory: database connection lost'),
    }),
    consumers: { handlers: inventoryEventHandlers(logger), concurrency: INVENTORY_CONSUMER_CONCURRENCY },
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
