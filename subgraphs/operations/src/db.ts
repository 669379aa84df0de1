import { createPrismaClient, type QueryListener } from '@commerce/service-kit';
import { PrismaClient } from './generated/prisma/client.ts';

export type Db = PrismaClient;

export function connectDb(connectionString: string, options: { onQuery?: QueryListener } = {}): Db {
  return createPrismaClient(PrismaClient, connectionString, options.onQuery);
}
