import { loaderByKey, startSubgraph } from '@commerce/service-kit';
import type { CatalogConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';

/** The catalog subgraph over a given database; main.ts runs it, tests start it in-process. */
export function startCatalog(config: CatalogConfig, db: Db) {
  return startSubgraph<Context>({
    name: 'catalog',
    schemaFile: new URL('../schema.graphql', import.meta.url),
    resolvers,
    settings: config,
    db,
    createContext: (scope) => ({
      ...scope,
      db,
      productsById: loaderByKey(
        (ids) => db.product.findMany({ where: { id: { in: ids } } }),
        (row) => row.id,
      ),
      categoriesById: loaderByKey(
        (ids) => db.category.findMany({ where: { id: { in: ids } } }),
        (row) => row.id,
      ),
    }),
  });
}
