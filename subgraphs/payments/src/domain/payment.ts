/** What a payment is, and who may see it. Pure: no I/O. */
import type { Identity } from '@commerce/service-kit';
import type { Payment, Refund } from '../generated/prisma/client.ts';

export type PaymentWithRefunds = Payment & { refunds: Refund[] };
/** An order, as payments knows it: by id. */
export type OrderRef = { id: string };

/** The customer who paid, and staff, may see a payment. */
export function maySee(identity: Identity, payment: Pick<Payment, 'customerId'>): boolean {
  if (identity.kind !== 'user') return false;
  return identity.role === 'STAFF' || identity.userId === payment.customerId;
}
