import type { RequestScope } from '@commerce/service-kit';
import type DataLoader from 'dataloader';
import type { Db } from './db.ts';
import type { Category, Product } from './generated/prisma/client.ts';

export type Context = RequestScope & {
  db: Db;
  productsById: DataLoader<string, Product | null>;
  categoriesById: DataLoader<string, Category | null>;
};
