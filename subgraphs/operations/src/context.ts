import type { MessagingAdmin, RequestScope } from '@commerce/service-kit';
import type { Db } from './db.ts';

export type Context = RequestScope & {
  db: Db;
  /** Every watched unit's queues in Redis. */
  queues: MessagingAdmin;
};
