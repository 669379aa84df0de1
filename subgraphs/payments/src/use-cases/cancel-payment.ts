import type { EventOf } from '@commerce/events';
import { type Sql, withEffect } from '@commerce/service-kit';
import { cancelOutcome, type RefundAnswer } from '../domain/payment.ts';
import type { ProviderClient } from '../provider.ts';
import { findPayment, leaveTombstone, lockPayment, recordRefund, recordVoid } from '../repository.ts';
import { refundInFull } from './refund-in-full.ts';

type OrderCancelled = EventOf<'orders.order.cancelled'>;

/**
 * The order was cancelled: its payment is never charged from now on (voided; a tombstone when
 * the charge request has not come yet), and a charge captured just before the cancel is given
 * back (REFUNDED, and orders hears it). A payment that took nothing is left as it is.
 */
export function cancelPayment({ sql, provider }: { sql: Sql; provider: ProviderClient }) {
  return withEffect<OrderCancelled, Sql, RefundAnswer | null>({
    async outside(event, signal) {
      const payment = await findPayment(sql, event.data.orderId);
      if (payment?.status !== 'CAPTURED' || !payment.providerReference) return null;
      return refundInFull(provider, payment, payment.providerReference, signal);
    },

    async inside(event, tx, refund) {
      const { orderId, customerId, items } = event.data;
      const amountCents = items.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
      await leaveTombstone(tx, { orderId, customerId, amountCents });
      const payment = await lockPayment(tx, orderId);
      if (!payment) throw new Error(`payment of order ${orderId} missing right after its tombstone was written`);
      const outcome = cancelOutcome(payment.status, refund);
      switch (outcome.action) {
        case 'void':
          return recordVoid(tx, payment);
        case 'refund':
          return recordRefund(tx, payment, {
            answer: outcome.refund,
            reason: `The order was cancelled: ${event.data.reason}`,
            requestedBy: null,
          });
        case 'rerun':
          throw new Error(outcome.why);
        case 'nothing':
          return;
      }
    },
  });
}
