import { loaderByKey, type UnitDefinition } from '@commerce/service-kit';
import type { CatalogConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';

/** The catalog unit over a given database: main.ts runs it with runUnit, tests start its API in-process. */
export function catalogUnit(config: CatalogConfig, db: Db): UnitDefinition<Context, Db> {
  return {
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
  };
}
