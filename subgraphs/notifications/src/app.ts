import { createLogger, createSqlPool, type EventHandlers, type Sql, type UnitDefinition } from '@commerce/service-kit';
import type { NotificationsConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { createMailer, type Mailer } from './mailer.ts';
import { resolvers } from './resolvers.ts';
import { countLoader, notificationPagesLoader } from './use-cases/find-notifications.ts';
import { emailSender } from './use-cases/send-email.ts';
import { orderOutcomeTeller } from './use-cases/tell-order-outcome.ts';
import { welcomeNewCustomer } from './use-cases/welcome-new-customer.ts';

/**
 * What notifications does with each event it consumes, in transactions of the unit's `pg` pool;
 * `sql` is that pool, for the e-mail sender's reads outside a transaction (tests run them with a
 * mailer of their own).
 */
export function notificationHandlers(sql: Sql, mailer: Mailer): EventHandlers<Sql> {
  const tellOrderOutcome = orderOutcomeTeller(sql, mailer);
  return {
    'accounts.user.registered': welcomeNewCustomer,
    'orders.order.confirmed': tellOrderOutcome,
    'orders.order.rejected': tellOrderOutcome,
    'orders.order.cancelled': tellOrderOutcome,
    'orders.order.refunded': tellOrderOutcome,
    'notifications.email.requested': emailSender(sql, mailer),
  };
}

/** Jobs the consumer runs at once; each holds at most one connection of the pool at a time. */
const CONSUMER_CONCURRENCY = 4;

/** The notifications unit over a given database: main.ts runs it with runUnit, tests start its API in-process. */
export function notificationsUnit(config: NotificationsConfig, db: Db): UnitDefinition<Context, Db> {
  const logger = createLogger('notifications', config.logLevel);
  // The event path's connections (the API stays on Prisma).
  const sql = createSqlPool(config.databaseUrl, {
    max: CONSUMER_CONCURRENCY,
    onError: (error) => logger.warn({ err: error }, 'notifications database: an idle connection failed'),
  });
  return {
    name: 'notifications',
    logger,
    schemaFile: new URL('../schema.graphql', import.meta.url),
    resolvers,
    settings: config,
    db,
    sql,
    createContext: (scope) => ({
      ...scope,
      db,
      notificationPages: notificationPagesLoader(db),
      countByUser: countLoader(db, false),
      unreadCountByUser: countLoader(db, true),
    }),
    consumers: { handlers: notificationHandlers(sql, createMailer(config)), concurrency: CONSUMER_CONCURRENCY },
  };
}
