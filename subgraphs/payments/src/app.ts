import { loaderByKey, startSubgraph } from '@commerce/service-kit';
import type { PaymentsConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';

/** The payments subgraph over a given database; main.ts runs it, tests start it in-process. */
export function startPayments(config: PaymentsConfig, db: Db) {
  return startSubgraph<Context>({
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
  });
}
