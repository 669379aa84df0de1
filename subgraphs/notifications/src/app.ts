import type { UnitDefinition } from '@commerce/service-kit';
import type { NotificationsConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';
import { countLoader, notificationPagesLoader } from './use-cases/find-notifications.ts';
import { welcomeNewCustomer } from './use-cases/welcome-new-customer.ts';

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
    consumers: {
      handlers: { 'accounts.user.registered': welcomeNewCustomer },
    },
  };
}
