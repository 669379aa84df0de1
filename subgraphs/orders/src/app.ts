import { readFileSync } from 'node:fs';
import { createLogger, startSubgraph } from '@commerce/service-kit';
import { parse } from 'graphql';
import type { OrdersConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';
import {
  customerOrderPagesLoader,
  orderCountLoader,
  ordersByIdLoader,
  timelineLoader,
} from './use-cases/find-orders.ts';

const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The orders subgraph over a given database; main.ts runs it, tests start it in-process. */
export function startOrders(config: OrdersConfig, db: Db) {
  return startSubgraph<Context>({
    name: 'orders',
    typeDefs,
    resolvers,
    port: config.ORDERS_PORT,
    host: config.HOST,
    routerSigningSecret: config.ROUTER_SIGNING_SECRET,
    logger: createLogger('orders', config.LOG_LEVEL),
    isReady: async () => {
      await db.$queryRaw`select 1`;
    },
    createContext: (scope) => ({
      ...scope,
      db,
      ordersById: ordersByIdLoader(db),
      timelineByOrderId: timelineLoader(db),
      customerOrderPages: customerOrderPagesLoader(db),
      orderCountByCustomer: orderCountLoader(db),
    }),
  });
}
