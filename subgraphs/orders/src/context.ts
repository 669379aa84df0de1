import type { RequestScope, SqlPool } from '@commerce/service-kit';
import type DataLoader from 'dataloader';
import type { SagaTimeouts } from './config.ts';
import type { Db } from './db.ts';
import type { OrderWithItems } from './domain/order.ts';
import type { OrderTimelineEntry } from './generated/prisma/client.ts';
import type { CustomerPageKey } from './use-cases/find-orders.ts';

export type Context = RequestScope & {
  db: Db;
  /** Writes (placing, cancelling, refunding) and the reads they decide from: SQL on `pg`. */
  sql: SqlPool;
  /** The saga's step time limits (a placed order's reservation deadline). */
  saga: SagaTimeouts;
  ordersById: DataLoader<string, OrderWithItems | null>;
  timelineByOrderId: DataLoader<string, OrderTimelineEntry[]>;
  /** First pages of many customers' orders in one round trip. */
  customerOrderPages: DataLoader<CustomerPageKey, OrderWithItems[], string>;
  orderCountByCustomer: DataLoader<string, number>;
};
