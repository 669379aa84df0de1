import { loaderByKey, type UnitDefinition } from '@commerce/service-kit';
import type { PaymentsConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';

/** The payments unit over a given database: main.ts runs it with runUnit, tests start its API in-process. */
export function paymentsUnit(config: PaymentsConfig, db: Db): UnitDefinition<Context, Db> {
  return {
    name: 'payments',
    schemaFile: new URL('../schema.graphql', import.meta.url),
    resolvers,
    settings: config,
    db,
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
