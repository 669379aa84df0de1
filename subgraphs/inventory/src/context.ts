import type { RequestScope } from '@commerce/service-kit';
import type DataLoader from 'dataloader';
import type { Db } from './db.ts';
import type { StockItem } from './generated/prisma/client.ts';

export type Context = RequestScope & {
  db: Db;
  stockByProductId: DataLoader<string, StockItem | null>;
};
