import { createLogger, createSqlPool, loaderByKey, type UnitDefinition } from '@commerce/service-kit';
import type { PaymentsConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { paymentsEventHandlers } from './event-handlers.ts';
import { createProviderClient, type ProviderClient } from './provider.ts';
import { resolvers } from './resolvers.ts';

/** The payments unit over a given database: main.ts runs it with runUnit, tests start its API in-process. */
export function paymentsUnit(
  config: PaymentsConfig,
  db: Db,
  provider: ProviderClient = createProviderClient(config.provider),
): UnitDefinition<Context, Db> {
  const logger = createLogger('payments', config.logLevel);
  // The event path's own connections (Prisma serves GraphQL's reads). A few are enough: a charge
  // holds none while it waits for the provider, only for its short statements and transaction.
  const sql = createSqlPool(config.databaseUrl, {
    max: 6,
    onError: (error) => logger.warn({ err: error }, 'payments SQL pool: an idle connection failed'),
  });
  return {
    name: 'payments',
    schemaFile: new URL('../schema.graphql', import.meta.url),
    resolvers,
    settings: config,
    db,
    logger,
    sql,
    // One breaker per process, shared by every charge and refund: they all talk to one provider.
    consumers: { handlers: paymentsEventHandlers({ sql, provider }), concurrency: config.consumerConcurrency },
    metrics: () => provider.metrics(),
    createContext: (scope) => ({
      ...scope,
      db,
      // Refunds come in the same statement (a join): one query for a whole page of orders.
      paymentByOrderId: loaderByKey(
        (orderIds) =>
          db.payment.findMany({
            where: { orderId: { in: orderIds } },
            include: { refunds: { orderBy: { createdAt: 'asc' } } },
            relationLoadStrategy: 'join',
          }),
        (payment) => payment.orderId,
      ),
    }),
  };
}
