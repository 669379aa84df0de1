import { readFileSync } from 'node:fs';
import { createLogger, loaderByKey, startSubgraph } from '@commerce/service-kit';
import { parse } from 'graphql';
import type { InventoryConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';

const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The inventory subgraph over a given database; main.ts runs it, tests start it in-process. */
export function startInventory(config: InventoryConfig, db: Db) {
  return startSubgraph<Context>({
    name: 'inventory',
    typeDefs,
    resolvers,
    port: config.INVENTORY_PORT,
    host: config.HOST,
    routerSigningSecret: config.ROUTER_SIGNING_SECRET,
    logger: createLogger('inventory', config.LOG_LEVEL),
    isReady: async () => {
      await db.$queryRaw`select 1`;
    },
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
