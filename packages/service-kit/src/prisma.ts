import { PrismaPg } from '@prisma/adapter-pg';

export type QueryListener = (sql: string) => void;

type QueryEvents = { $on(event: 'query', listener: (event: { query: string }) => void): void };

/**
 * A unit's Prisma client over `pg`. With `onQuery`, every SQL statement sent is reported: tests
 * use it to prove that lookups are batched.
 */
export function createPrismaClient<Client>(
  // biome-ignore lint/suspicious/noExplicitAny: each unit has its own generated client class
  PrismaClient: new (options: any) => Client,
  connectionString: string,
  onQuery?: QueryListener,
): Client {
  // GraphQL's reads (the saga's path has a pool of its own, service-kit sql.ts): a few connections.
  const adapter = new PrismaPg({ connectionString, max: 6 });
  if (!onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  (client as Client & QueryEvents).$on('query', (event) => onQuery(event.query));
  return client;
}
