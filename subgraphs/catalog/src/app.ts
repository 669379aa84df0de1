import { readFileSync } from 'node:fs';
import { createLogger, loaderByKey, startSubgraph } from '@commerce/service-kit';
import { parse } from 'graphql';
import type { CatalogConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';

const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The catalog subgraph over a given database; main.ts runs it, tests start it in-process. */
export function startCatalog(config: CatalogConfig, db: Db) {
  return startSubgraph<Context>({
    name: 'catalog',
    typeDefs,
    resolvers,
    port: config.CATALOG_PORT,
    host: config.HOST,
    routerSigningSecret: config.ROUTER_SIGNING_SECRET,
    logger: createLogger('catalog', config.LOG_LEVEL),
    isReady: async () => {
      await db.$queryRaw`select 1`;
    },
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
