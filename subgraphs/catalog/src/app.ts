import { createLogger, createRedis, createSqlPool, loaderByKey, type UnitDefinition } from '@commerce/service-kit';
import DataLoader from 'dataloader';
import type { CatalogConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { catalogEventHandlers } from './event-handlers.ts';
import { type StorefrontReadModel, storefrontReadModel } from './read-model/storefront.ts';
import { findAvailability, storefrontSource } from './repository.ts';
import { resolvers } from './resolvers.ts';
import { findProducts } from './use-cases/list-products.ts';

/** The catalog unit over a given database: main.ts runs it with runUnit, tests start its API in-process. */
export function catalogUnit(
  config: CatalogConfig,
  db: Db,
): UnitDefinition<Context, Db> & { storefront: StorefrontReadModel } {
  const logger = createLogger('catalog', config.logLevel);
  const storefront = storefrontReadModel({
    redis: createRedis(config.redisUrl, 'catalog:storefront', logger),
    queuePrefix: config.queuePrefix,
    logger,
    source: storefrontSource(db),
  });
  const reads = config.storefrontReadModel ? storefront : null;
  return {
    name: 'catalog',
    schemaFile: new URL('../schema.graphql', import.meta.url),
    resolvers,
    settings: config,
    db,
    logger,
    storefront,
    // Its consumers' transactions: inventory's stock events come with every reservation.
    sql: createSqlPool(config.databaseUrl, {
      max: 4,
      onError: (error) => logger.warn({ err: error }, 'catalog: database connection lost'),
    }),
    // One job at a time: each is a statement or two, and with free slots BullMQ asks Redis for a
    // second job after every one it takes (one round trip wasted per job when they come singly).
    consumers: { handlers: catalogEventHandlers(storefront, db), concurrency: 1 },
    onClose: async () => storefront.close(),
    createContext: (scope) => ({
      ...scope,
      db,
      storefront: reads,
      productsById: new DataLoader((ids) => findProducts(db, reads, ids)),
      categoriesById: loaderByKey(
        (ids) => db.category.findMany({ where: { id: { in: ids } } }),
        (row) => row.id,
      ),
      availableById: new DataLoader(async (ids) => {
        const rows = await findAvailability(db, ids);
        const byId = new Map(rows.map((row) => [row.productId, row.available]));
        // No stock event yet: inventory holds no row, which it reads as nothing available.
        return ids.map((id) => byId.get(id) ?? 0);
      }),
    }),
  };
}
