import { createMessagingAdmin, redisConnection, startSubgraph } from '@commerce/service-kit';
import { type OperationsConfig, watchedUnits } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';

/** The operations subgraph over a given database and the queues' Redis; main.ts runs it. */
export async function startOperations(config: OperationsConfig, db: Db) {
  const queues = createMessagingAdmin({
    connection: redisConnection(config.redisUrl),
    queuePrefix: config.queuePrefix,
    units: watchedUnits,
  });
  const subgraph = await startSubgraph<Context>({
    name: 'operations',
    schemaFile: new URL('../schema.graphql', import.meta.url),
    resolvers,
    settings: config,
    db,
    createContext: (scope) => ({ ...scope, db, queues }),
  });
  return {
    ...subgraph,
    close: async () => {
      await subgraph.close();
      await queues.close();
    },
  };
}
