import { readFileSync } from 'node:fs';
import { createLogger, loaderByKey, startSubgraph } from '@commerce/service-kit';
import { parse } from 'graphql';
import type { PaymentsConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';

const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The payments subgraph over a given database; main.ts runs it, tests start it in-process. */
export function startPayments(config: PaymentsConfig, db: Db) {
  return startSubgraph<Context>({
    name: 'payments',
    typeDefs,
    resolvers,
    port: config.PAYMENTS_PORT,
    host: config.HOST,
    routerSigningSecret: config.ROUTER_SIGNING_SECRET,
    logger: createLogger('payments', config.LOG_LEVEL),
    isReady: async () => {
      await db.$queryRaw`select 1`;
    },
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
