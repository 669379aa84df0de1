import type { EventHandlers, UnitDefinition } from '@commerce/service-kit';
import type { NotificationsConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import type { Prisma } from './generated/prisma/client.ts';
import { createMailer, type Mailer } from './mailer.ts';
import { resolvers } from './resolvers.ts';
import { countLoader, notificationPagesLoader } from './use-cases/find-notifications.ts';
import { emailSender } from './use-cases/send-email.ts';
import { tellOrderOutcome } from './use-cases/tell-order-outcome.ts';
import { welcomeNewCustomer } from './use-cases/welcome-new-customer.ts';

/** What notifications does with each event it consumes (tests run them with a mailer of their own). */
export function notificationHandlers(db: Db, mailer: Mailer): EventHandlers<Prisma.TransactionClient> {
  return {
    'accounts.user.registered': welcomeNewCustomer,
    'orders.order.confirmed': tellOrderOutcome,
    'orders.order.rejected': tellOrderOutcome,
    'orders.order.cancelled': tellOrderOutcome,
    'orders.order.refunded': tellOrderOutcome,
    'notifications.email.requested': emailSender(db, mailer),
  };
}

/** The notifications unit over a given database: main.ts runs it with runUnit, tests start its API in-process. */
export function notificationsUnit(config: NotificationsConfig, db: Db): UnitDefinition<Context, Db> {
  return {
    name: 'notifications',
    schemaFile: new URL('../schema.graphql', import.meta.url),
    resolvers,
    settings: config,
    db,
    createContext: (scope) => ({
      ...scope,
      db,
      notificationPages: notificationPagesLoader(db),
      countByUser: countLoader(db, false),
      unreadCountByUser: countLoader(db, true),
    }),
    consumers: { handlers: notificationHandlers(db, createMailer(config)) },
  };
}
