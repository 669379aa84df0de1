import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;

/** `onQuery` sees every SQL statement sent: tests use it to prove lookups are batched. */
export function connectDb(connectionString: string, options: { onQuery?: (sql: string) => void } = {}): Db {
  const adapter = new PrismaPg({ connectionString });
  if (!options.onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const onQuery = options.onQuery;
  client.$on('query', (event) => onQuery(event.query));
  return client as unknown as Db;
}
