import { readFileSync } from 'node:fs';
import { createLogger, startSubgraph } from '@commerce/service-kit';
import { parse } from 'graphql';
import type { NotificationsConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';
import { countLoader, notificationPagesLoader } from './use-cases/find-notifications.ts';

const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The notifications subgraph over a given database; main.ts runs it, tests start it in-process. */
export function startNotifications(config: NotificationsConfig, db: Db) {
  return startSubgraph<Context>({
    name: 'notifications',
    typeDefs,
    resolvers,
    port: config.NOTIFICATIONS_PORT,
    host: config.HOST,
    routerSigningSecret: config.ROUTER_SIGNING_SECRET,
    logger: createLogger('notifications', config.LOG_LEVEL),
    isReady: async () => {
      await db.$queryRaw`select 1`;
    },
    createContext: (scope) => ({
      ...scope,
      db,
      notificationPages: notificationPagesLoader(db),
      countByUser: countLoader(db, false),
      unreadCountByUser: countLoader(db, true),
    }),
  });
}
