import type { RequestScope } from '@commerce/service-kit';
import type DataLoader from 'dataloader';
import type { Db } from './db.ts';
import type { User } from './generated/prisma/client.ts';
import type { TokenIssuer } from './use-cases/log-in.ts';

export type Context = RequestScope & {
  db: Db;
  tokens: TokenIssuer;
  usersById: DataLoader<string, User | null>;
  /** Users who signed in or registered in this very request. */
  signedInNow: Set<string>;
};
