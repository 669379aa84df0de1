import type { RequestScope } from '@commerce/service-kit';
import type DataLoader from 'dataloader';
import type { Db } from './db.ts';
import type { PaymentWithRefunds } from './domain/payment.ts';

export type Context = RequestScope & {
  db: Db;
  paymentByOrderId: DataLoader<string, PaymentWithRefunds | null>;
};
