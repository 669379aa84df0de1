import { createLogger, createSqlPool, type UnitDefinition } from '@commerce/service-kit';
import type { OrdersConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { ordersEventHandlers } from './event-handlers.ts';
import { resolvers } from './resolvers.ts';
import {
  customerOrderPagesLoader,
  orderCountLoader,
  ordersByIdLoader,
  timelineLoader,
} from './use-cases/find-orders.ts';

/** The orders unit over a given database: main.ts runs it with runUnit, tests start it in-process. */
export function ordersUnit(config: OrdersConfig, db: Db): UnitDefinition<Context, Db> {
  const logger = createLogger('orders', config.logLevel);
  // The saga's transactions and the mutations': a connection per job in hand, requests taking
  // turns with them (every unit's pools share the server's connection limit).
  const sql = createSqlPool(config.databaseUrl, {
    max: config.consumerConcurrency,
    onError: (error) => logger.warn({ err: error }, 'orders: database connection lost'),
  });
  return {
    name: 'orders',
    schemaFile: new URL('../schema.graphql', import.meta.url),
    resolvers,
    settings: config,
    db,
    sql,
    logger,
    consumers: {
      handlers: ordersEventHandlers({ timeouts: config.saga, logger }),
      concurrency: config.consumerConcurrency,
    },
    createContext: (scope) => ({
      ...scope,
      db,
      sql,
      saga: config.saga,
      ordersById: ordersByIdLoader(db),
      timelineByOrderId: timelineLoader(db),
      customerOrderPages: customerOrderPagesLoader(db),
      orderCountByCustomer: orderCountLoader(db),
    }),
  };
}
